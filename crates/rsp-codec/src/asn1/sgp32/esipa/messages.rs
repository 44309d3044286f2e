//! top-level CHOICEs.

use super::*;

/// `EsipaMessageFromIpaToEim ::= CHOICE` (SGP.32 §6.1 / §6.3, ASN.1 binding).
/// One value per exchange, so variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum EsipaMessageFromIpaToEim {
    /// Tag 'BF39'.
    #[rasn(tag(context, 57))]
    InitiateAuthenticationRequestEsipa(InitiateAuthenticationRequestEsipa),
    /// Tag 'BF3B'.
    #[rasn(tag(context, 59))]
    AuthenticateClientRequestEsipa(AuthenticateClientRequestEsipa),
    /// Tag 'BF3A'.
    #[rasn(tag(context, 58))]
    GetBoundProfilePackageRequestEsipa(GetBoundProfilePackageRequestEsipa),
    /// Tag 'BF41'.
    #[rasn(tag(context, 65))]
    CancelSessionRequestEsipa(CancelSessionRequestEsipa),
    /// Tag 'BF3D'.
    #[rasn(tag(context, 61))]
    HandleNotificationEsipa(HandleNotificationEsipa),
    /// Tag 'BF4E'.
    #[rasn(tag(context, 78))]
    TransferEimPackageResponse(TransferEimPackageResponse),
    /// Tag 'BF4F'.
    #[rasn(tag(context, 79))]
    GetEimPackageRequest(GetEimPackageRequest),
    /// Tag 'BF50'.
    #[rasn(tag(context, 80))]
    ProvideEimPackageResult(ProvideEimPackageResult),
}

/// `EsipaMessageFromEimToIpa ::= CHOICE` (SGP.32 §6.1 / §6.3, ASN.1 binding).
/// One value per exchange, so variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum EsipaMessageFromEimToIpa {
    /// Tag 'BF39'.
    #[rasn(tag(context, 57))]
    InitiateAuthenticationResponseEsipa(InitiateAuthenticationResponseEsipa),
    /// Tag 'BF3B'.
    #[rasn(tag(context, 59))]
    AuthenticateClientResponseEsipa(AuthenticateClientResponseEsipa),
    /// Tag 'BF3A'.
    #[rasn(tag(context, 58))]
    GetBoundProfilePackageResponseEsipa(GetBoundProfilePackageResponseEsipa),
    /// Tag 'BF41'.
    #[rasn(tag(context, 65))]
    CancelSessionResponseEsipa(CancelSessionResponseEsipa),
    /// Tag 'BF4E'.
    #[rasn(tag(context, 78))]
    TransferEimPackageRequest(TransferEimPackageRequest),
    /// Tag 'BF4F'.
    #[rasn(tag(context, 79))]
    GetEimPackageResponse(GetEimPackageResponse),
    /// Tag 'BF50'.
    #[rasn(tag(context, 80))]
    ProvideEimPackageResultResponse(ProvideEimPackageResultResponse),
}
