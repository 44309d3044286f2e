//! Building the Bound Profile Package (SGP.22 §2.5.4, ES8+ §5.5): the key agreement with
//! otPK.EUICC.ECKA, the session keys (Annex G) and the SCP03t-protected sequences.

use rsp_codec::asn1::{
    self, BoundProfilePackage, Bpp86Tlv, Bpp87Tlv, Bpp88Tlv, ConfigureISDPRequest,
    ControlRefTemplate, Extensions, FirstSequenceOf87, InitialiseSecureChannelRequest, Octet1,
    OctetTo16, Raw, RemoteOpId, SequenceOf86, SequenceOf88, StoreMetadataRequest, TransactionId,
    signed_part_of_initialise_secure_channel,
};
use rsp_crypto::kdf::{ControlReferenceTemplate, derive_session_keys};
use rsp_crypto::scp03t::{Scp03t, encode_tlv, parse_tlv};
use rsp_crypto::{CryptoError, KeyAgreement, PublicKey, Signer};

use super::Es9PlusError;

/// Tag of otPK.EUICC.ECKA / otPK.DP.ECKA (`[APPLICATION 73]`).
const TAG_OTPK: [u8; 2] = [0x5F, 0x49];

/// What one binding needs.
pub(crate) struct Binding<'a> {
    pub transaction_id: &'a [u8],
    pub host_id: &'a [u8],
    pub eid: &'a [u8; 16],
    /// otPK.EUICC.ECKA as received.
    pub euicc_otpk: &'a PublicKey,
    /// otSK.DP.ECKA.
    pub otsk_dp: &'a dyn KeyAgreement,
    /// SK.DPpb.ECDSA.
    pub dp_pb: &'a dyn Signer,
    pub metadata: &'a StoreMetadataRequest,
    pub package: &'a [u8],
}

/// Builds the BPP. `smdpSign` = DPpb over the InitialiseSecureChannelRequest TLVs before it
/// ‖ the `5F49` TLV of otPK.EUICC.ECKA (SGP.22 §5.5.1 / §2.5.4).
pub(crate) fn build(b: &Binding<'_>) -> Result<BoundProfilePackage, Es9PlusError> {
    let crt = ControlRefTemplate {
        key_type: Octet1::new([rsp_crypto::kdf::KEY_TYPE_AES]),
        key_len: Octet1::new([rsp_crypto::kdf::KEY_LENGTH_AES128]),
        host_id: OctetTo16(b.host_id.to_vec().into()),
        ext: Extensions::default(),
    };
    let mut request = InitialiseSecureChannelRequest {
        remote_op_id: RemoteOpId::INSTALL_BOUND_PROFILE_PACKAGE,
        transaction_id: TransactionId(b.transaction_id.to_vec().into()),
        control_ref_template: crt,
        smdp_otpk: b.otsk_dp.public_key().sec1_uncompressed().to_vec().into(),
        smdp_sign: Vec::new().into(),
        ext: Extensions::default(),
    };
    let unsigned = Raw::new(request.clone())?;
    let mut message = signed_part_of_initialise_secure_channel(&unsigned)
        .ok_or_else(|| Es9PlusError::Encode("InitialiseSecureChannelRequest".into()))?
        .to_vec();
    message.extend_from_slice(&encode_tlv(&TAG_OTPK, b.euicc_otpk.sec1_uncompressed()));
    request.smdp_sign = b.dp_pb.sign_raw(&message)?.to_vec().into();

    let shs = b.otsk_dp.ecka(b.euicc_otpk)?;
    let keys = derive_session_keys(&shs, &ControlReferenceTemplate::aes128(b.host_id), b.eid)?;
    let mut scp = Scp03t::new(keys);
    let configure = asn1::encode(&ConfigureISDPRequest::default())?;
    let first87 = values(scp.configure_isdp(&configure)?)?;
    let seq88 = values(scp.store_metadata(&asn1::encode(b.metadata)?)?)?;
    let seq86 = values(scp.profile_segments(b.package)?)?;
    Ok(BoundProfilePackage {
        initialise_secure_channel_request: Raw::new(request)?,
        first_sequence_of87: FirstSequenceOf87(
            first87.into_iter().map(|v| Bpp87Tlv(v.into())).collect(),
        ),
        sequence_of88: SequenceOf88(seq88.into_iter().map(|v| Bpp88Tlv(v.into())).collect()),
        second_sequence_of87: None,
        sequence_of86: SequenceOf86(seq86.into_iter().map(|v| Bpp86Tlv(v.into())).collect()),
        ext: Extensions::default(),
    })
}

/// The values of protected TLVs (the ASN.1 types add the `86`/`87`/`88` headers again).
fn values(tlvs: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>, CryptoError> {
    tlvs.iter()
        .map(|t| parse_tlv(t).map(|(tlv, _)| tlv.value.to_vec()))
        .collect()
}
