//! PrepareDownload §5.7.5.

use super::*;

/// `PrepareDownloadRequest ::= [33] SEQUENCE`. Tag 'BF21'.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(context, 33))]
pub struct PrepareDownloadRequest {
    /// Signed by the SM-DP+ (with euiccSignature1). Tag '30'.
    pub smdp_signed2: Raw<SmdpSigned2>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub smdp_signature2: OctetString,
    /// SHA-256 over the confirmation code and transaction id. Tag '04'.
    pub hash_cc: Option<Octet32>,
    /// CERT.DPpb.ECDSA. Tag '30'.
    pub smdp_certificate: Certificate,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `SmdpSigned2 ::= SEQUENCE` (80, 01, 5F49).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct SmdpSigned2 {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Confirmation code required. Tag '01'.
    pub cc_required_flag: bool,
    /// otPK.EUICC.ECKA already used to bind the BPP (retry case). Tag '5F49'.
    #[rasn(tag(application, 73))]
    pub bpp_euicc_otpk: Option<OctetString>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `PrepareDownloadResponse ::= [33] CHOICE`. Tag 'BF21' (explicit) then A0 / A1.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, tag(explicit(context, 33)))]
pub enum PrepareDownloadResponse {
    /// Tag 'A0'.
    #[rasn(tag(context, 0))]
    DownloadResponseOk(PrepareDownloadResponseOk),
    /// Tag 'A1'.
    #[rasn(tag(context, 1))]
    DownloadResponseError(PrepareDownloadResponseError),
}

/// `PrepareDownloadResponseOk ::= SEQUENCE` (30, 5F37).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct PrepareDownloadResponseOk {
    /// Signed by the eUICC (with smdpSignature2). Tag '30'.
    pub euicc_signed2: Raw<EUICCSigned2>,
    /// Tag '5F37'.
    #[rasn(tag(application, 55))]
    pub euicc_signature2: OctetString,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `EUICCSigned2 ::= SEQUENCE` (80, 5F49, 04).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct EUICCSigned2 {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// otPK.EUICC.ECKA. Tag '5F49'.
    #[rasn(tag(application, 73))]
    pub euicc_otpk: OctetString,
    /// Tag '04'.
    pub hash_cc: Option<Octet32>,
    /// Unknown extension additions.
    pub ext: Extensions,
}

/// `PrepareDownloadResponseError ::= SEQUENCE` (80, 02).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct PrepareDownloadResponseError {
    /// Tag '80'.
    #[rasn(tag(context, 0))]
    pub transaction_id: TransactionId,
    /// Tag '02'.
    pub download_error_code: DownloadErrorCode,
    /// Unknown extension additions.
    pub ext: Extensions,
}

named_integer!(
    /// `DownloadErrorCode ::= INTEGER` (SGP.22 §5.7.5).
    DownloadErrorCode {
        INVALID_CERTIFICATE = 1,
        INVALID_SIGNATURE = 2,
        UNSUPPORTED_CURVE = 3,
        NO_SESSION_CONTEXT = 4,
        INVALID_TRANSACTION_ID = 5,
        UNDEFINED_ERROR = 127,
    }
);
