//! Building and signing notifications (SGP.22 §5.7.6 ProfileInstallationResult,
//! §5.7.10 OtherSignedNotification) and reading back stored ones.

use rasn::types::OctetString;
use rsp_codec::asn1::{
    self, Certificate, EuiccSignPIR, Extensions, Iccid, NotificationEvent, NotificationMetadata,
    OtherSignedNotification, PendingNotification, ProfileInstallationResult,
    ProfileInstallationResultData, Raw, StoreMetadataRequest,
};

use crate::error::Es10Error;
use crate::identity::EuiccCredential;
use crate::state::{EuiccState, HexBytes, StoredNotification};

/// `NotificationMetadata` for one operation (exactly one bit set, SGP.22 §5.7.9).
pub(crate) fn metadata(
    seq_number: u64,
    event_bit: usize,
    address: String,
    iccid: Option<Iccid>,
) -> NotificationMetadata {
    NotificationMetadata {
        seq_number: seq_number.into(),
        profile_management_operation: NotificationEvent::from_bits(&[event_bit]),
        notification_address: address,
        iccid,
        ext: Extensions::default(),
    }
}

/// The address configured in the profile metadata for `event_bit`, if any
/// (`notificationConfigurationInfo`, SGP.22 §5.4.1).
pub(crate) fn configured_address(
    metadata: &StoreMetadataRequest,
    event_bit: usize,
) -> Option<String> {
    metadata
        .notification_configuration_info
        .iter()
        .flatten()
        .find(|c| c.profile_management_operation.is_set(event_bit))
        .map(|c| c.notification_address.clone())
}

/// Certificate of the codec layer from a parsed PKI certificate.
pub(crate) fn codec_cert(cert: &rsp_pki::Cert) -> Result<Certificate, Es10Error> {
    Certificate::from_der(cert.der()).map_err(Es10Error::encoding)
}

/// Signs `ProfileInstallationResultData` as encoded (SGP.22 §5.7.6 `euiccSignPIR`).
pub(crate) fn sign_pir(
    cred: &EuiccCredential,
    data: ProfileInstallationResultData,
) -> Result<ProfileInstallationResult, Es10Error> {
    let data = Raw::new(data).map_err(Es10Error::encoding)?;
    let sig = cred.sign(data.raw())?;
    Ok(ProfileInstallationResult {
        profile_installation_result_data: data,
        euicc_sign_pir: EuiccSignPIR(OctetString::from(sig.to_vec())),
        ext: Extensions::default(),
    })
}

/// Signs a notification for enable / disable / delete (SGP.22 §5.7.10).
pub(crate) fn sign_other(
    cred: &EuiccCredential,
    metadata: NotificationMetadata,
) -> Result<OtherSignedNotification, Es10Error> {
    let tbs = Raw::new(metadata).map_err(Es10Error::encoding)?;
    let sig = cred.sign(tbs.raw())?;
    Ok(OtherSignedNotification {
        tbs_other_notification: tbs,
        euicc_notification_signature: OctetString::from(sig.to_vec()),
        euicc_certificate: codec_cert(cred.cert())?,
        eum_certificate: codec_cert(cred.eum())?,
        ext: Extensions::default(),
    })
}

/// Stores a signed notification under its sequence number.
pub(crate) fn store(
    state: &mut EuiccState,
    seq_number: u64,
    pending: &PendingNotification,
) -> Result<(), Es10Error> {
    let der = asn1::encode(pending).map_err(Es10Error::encoding)?;
    state.notifications.push(StoredNotification {
        seq_number,
        pending: HexBytes(der),
    });
    Ok(())
}

/// The metadata of a stored notification.
pub(crate) fn metadata_of(stored: &StoredNotification) -> Option<NotificationMetadata> {
    match asn1::decode::<PendingNotification>(&stored.pending.0).ok()? {
        PendingNotification::ProfileInstallationResult(pir) => Some(
            pir.profile_installation_result_data
                .value()
                .notification_metadata
                .clone(),
        ),
        PendingNotification::OtherSignedNotification(other) => {
            Some(other.tbs_other_notification.value().clone())
        }
    }
}
