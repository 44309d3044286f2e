//! Every XML name of the SGP.02 web-service binding in one place, so a reading that turns
//! out wrong is corrected here and nowhere else.
//!
//! Sources: the SOAP 1.2 and WS-Addressing 1.0 namespaces are the W3C ones (checked).
//! SGP.02 Annex B (binding, WSDL, XSD) was not available; the GSMA namespace, the action
//! URI pattern (including the spelling `ProfileManagent`) and most element names follow
//! the public SM-SR implementation Njiwa (io.njiwa, JAX-WS annotations written against
//! SGP.02 v3.1), which we read but did not copy. Names marked "our reading" have no source
//! at all and are our guess from the SGP.02 function tables.

use super::Interface;

/// SOAP 1.2 envelope namespace (W3C).
pub const NS_SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
/// WS-Addressing 1.0 namespace (W3C). Njiwa uses the metadata namespace
/// `http://www.w3.org/2007/05/addressing/metadata` for its headers; we follow WS-A 1.0.
pub const NS_WSA: &str = "http://www.w3.org/2005/08/addressing";
/// The GSMA body namespace (from Njiwa; KPN's endpoint path `esim-messaging/3` suggests a
/// versioned successor for SGP.02 v3.x+).
pub const NS_GSMA: &str = "http://namespaces.gsma.org/esim-messaging/1";

/// Prefixes we write (parsers accept any prefix).
pub const PREFIX_SOAP: &str = "env";
/// WS-Addressing prefix we write.
pub const PREFIX_WSA: &str = "wsa";
/// GSMA prefix we write.
pub const PREFIX_GSMA: &str = "rps";

/// WS-Addressing action of a SOAP fault (WS-A 1.0 SOAP binding §6).
pub const ACTION_FAULT: &str = "http://www.w3.org/2005/08/addressing/soap/fault";
/// The WS-A anonymous address (reply on the same HTTP connection).
pub const WSA_ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";

// SOAP envelope and WS-A header element names (W3C).
pub(crate) const ENVELOPE: &str = "Envelope";
pub(crate) const HEADER: &str = "Header";
pub(crate) const BODY: &str = "Body";
pub(crate) const FAULT: &str = "Fault";
pub(crate) const FAULT_CODE: &str = "Code";
pub(crate) const FAULT_VALUE: &str = "Value";
pub(crate) const FAULT_REASON: &str = "Reason";
pub(crate) const FAULT_TEXT: &str = "Text";
pub(crate) const WSA_TO: &str = "To";
pub(crate) const WSA_FROM: &str = "From";
pub(crate) const WSA_REPLY_TO: &str = "ReplyTo";
pub(crate) const WSA_ADDRESS: &str = "Address";
pub(crate) const WSA_MESSAGE_ID: &str = "MessageID";
pub(crate) const WSA_ACTION: &str = "Action";
pub(crate) const WSA_RELATES_TO: &str = "RelatesTo";

// Common body elements (SGP.02 §5.1; names from Njiwa).
pub(crate) const FUNCTION_CALL_ID: &str = "FunctionCallIdentifier";
pub(crate) const VALIDITY_PERIOD: &str = "ValidityPeriod";
pub(crate) const EXECUTION_STATUS: &str = "FunctionExecutionStatus";
pub(crate) const STATUS: &str = "Status";
pub(crate) const STATUS_CODE_DATA: &str = "StatusCodeData";
pub(crate) const SUBJECT_CODE: &str = "SubjectCode";
pub(crate) const REASON_CODE: &str = "ReasonCode";
pub(crate) const SUBJECT_IDENTIFIER: &str = "SubjectIdentifier";
pub(crate) const MESSAGE: &str = "Message";
pub(crate) const EID: &str = "Eid";
pub(crate) const ICCID: &str = "Iccid";
pub(crate) const COMPLETION_TIMESTAMP: &str = "CompletionTimestamp";

// POL2 (SGP.02 §2.3.3; Njiwa uses `pol2`, we follow the brief's `Pol2`, our reading).
pub(crate) const POL2: &str = "Pol2";
pub(crate) const RULE: &str = "Rule";
pub(crate) const SUBJECT: &str = "Subject";
pub(crate) const ACTION: &str = "Action";
pub(crate) const QUALIFICATION: &str = "Qualification";

// Subscription address (Njiwa `SubscriptionAddressType`).
pub(crate) const SUBSCRIPTION_ADDRESS: &str = "SubscriptionAddress";
pub(crate) const NEW_SUBSCRIPTION_ADDRESS: &str = "NewSubscriptionAddress";
pub(crate) const MSISDN: &str = "Msisdn";
pub(crate) const IMSI: &str = "Imsi";

// EIS (SGP.02 §5.1.1.2 data model; element names from Njiwa's `Eis` type).
pub(crate) const EIS: &str = "Eis";
pub(crate) const EUM_SIGNED_INFO: &str = "EumSignedInfo";
pub(crate) const EUM_ID: &str = "Eum-Id";
pub(crate) const PRODUCTION_DATE: &str = "ProductionDate";
pub(crate) const PLATFORM_TYPE: &str = "PlatformType";
pub(crate) const PLATFORM_VERSION: &str = "PlatformVersion";
pub(crate) const ECASD: &str = "Ecasd";
pub(crate) const AID: &str = "Aid";
/// Our reading: Njiwa nests certificates in keysets; we carry the ECASD certificate alone.
pub(crate) const CERTIFICATE: &str = "Certificate";
pub(crate) const REMAINING_MEMORY: &str = "RemainingMemory";
pub(crate) const AVAILABLE_MEMORY: &str = "AvailableMemoryForProfiles";
pub(crate) const SMSR_ID: &str = "Smsr-id";
pub(crate) const PROFILE_INFO: &str = "ProfileInfo";
pub(crate) const ISDP_AID: &str = "Isd-p-aid";
pub(crate) const MNO_ID: &str = "Mno-id";
pub(crate) const FALLBACK_ATTRIBUTE: &str = "FallbackAttribute";
pub(crate) const STATE: &str = "State";
pub(crate) const SMDP_ID: &str = "Smdp-id";
pub(crate) const PROFILE_TYPE: &str = "ProfileType";
pub(crate) const ALLOCATED_MEMORY: &str = "AllocatedMemory";
pub(crate) const ISD_R: &str = "Isd-r";
// ISD-R keys: our own elements (SGP.02 passes keysets in the ISD-R part; Njiwa uses a
// generic `Keyset`/`Key`/`KeyComponent` structure we did not adopt).
pub(crate) const SCP80_KEYSET: &str = "Scp80Keyset";
pub(crate) const VERSION: &str = "Version";
pub(crate) const ALGORITHM: &str = "Algorithm";
pub(crate) const KIC: &str = "Kic";
pub(crate) const KID: &str = "Kid";
pub(crate) const SCP81_PSK: &str = "Scp81Psk";
pub(crate) const IDENTITY: &str = "Identity";
pub(crate) const KEY: &str = "Key";

// ES3-only request elements (names from Njiwa where it has them).
/// Njiwa spells it `Mno-id` in the EIS; the brief's `Mno-ID` for CreateISDP is our reading.
pub(crate) const CREATE_MNO_ID: &str = "Mno-ID";
pub(crate) const REQUIRED_MEMORY: &str = "RequiredMemory";
/// Njiwa: `moreToDo`; we write `MoreToDo` (brief, our reading).
pub(crate) const MORE_TO_DO: &str = "MoreToDo";
pub(crate) const SD_AID: &str = "sd-aid";
pub(crate) const DATA: &str = "Data";
pub(crate) const CONNECTIVITY_PARAMETERS: &str = "ConnectivityParameters";
/// The eUICC's response data in an ES3 response (Njiwa's `SendDataResponse`, also its
/// CreateISDP/EnableISDP/DeleteISDP responses): hex.
pub(crate) const EUICC_RESPONSE_DATA: &str = "EuiccResponseData";

// ES2-only elements (Operator → SM-DP; names from Njiwa's SM-DP `ES2Impl`).
/// `EnableProfile` inside DownloadProfile: enable the Profile once downloaded (Njiwa).
pub(crate) const ENABLE_AFTER_DOWNLOAD: &str = "EnableProfile";
/// Njiwa's spelling of `Smsr-id` in ES2 DownloadProfile and UpdatePolicyRules; accepted on
/// input, we write [`SMSR_ID`].
pub(crate) const SMSR_ID_NJIWA_ES2: &str = "Smsr-Id";

// The SM-SR change (SGP.02 §3.7): ES4 PrepareSMSRChange/SMSRChange and ES7.
/// ES4 PrepareSMSRChange: the eUICC's current SM-SR (Njiwa's `CurrentSMSRid`, also the
/// SGP.02 schema's `ES4-PrepareSMSRChangeRequest` as generated JAXB types of a public SM-SR
/// show it).
pub(crate) const CURRENT_SMSR_ID: &str = "CurrentSMSRid";
/// ES4 SMSRChange: the SM-SR the eUICC moves to (Njiwa's `Target-Smsr-id`).
pub(crate) const TARGET_SMSR_ID: &str = "Target-Smsr-id";
/// ES7 AuthenticateSMSR: CERT.SR.ECDSA, the GlobalPlatform certificate (`7F21`), hex
/// (Njiwa and the schema: `SmsrCertificate`).
pub(crate) const SMSR_CERTIFICATE: &str = "SmsrCertificate";
/// ES7 AuthenticateSMSRResponse: the eUICC's random challenge, hex (Njiwa, schema).
pub(crate) const RANDOM_CHALLENGE: &str = "RandomChallenge";
// ES7 CreateAdditionalKeySet (Njiwa's parameters, in its order; the schema agrees).
pub(crate) const KEY_VERSION_NUMBER: &str = "KeyVersionNumber";
pub(crate) const INITIAL_SEQUENCE_COUNTER: &str = "InitialSequenceCounter";
pub(crate) const ECC_KEY_LENGTH: &str = "ECCKeyLength";
pub(crate) const SCENARIO_PARAMETER: &str = "ScenarioParameter";
/// Njiwa's spelling; we write it.
pub(crate) const HOST_ID: &str = "HostID";
/// The schema's spelling (generated JAXB types): accepted on input.
pub(crate) const HOST_ID_SCHEMA: &str = "HostId";
pub(crate) const EPHEMERAL_PUBLIC_KEY: &str = "EphemeralPublicKey";
pub(crate) const SIGNATURE: &str = "Signature";
/// ES7 CreateAdditionalKeySetResponse: the derivation random (optional) and the receipt,
/// hex (Njiwa, schema).
pub(crate) const DERIVATION_RANDOM: &str = "DerivationRandom";
pub(crate) const RECEIPT: &str = "Receipt";

/// Suffix of a response body element and its action (`EnableProfileResponse`).
pub(crate) const RESPONSE_SUFFIX: &str = "Response";

/// The SGP.02 functions this codec carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// ES3/ES4 EnableProfile.
    EnableProfile,
    /// ES3/ES4 DisableProfile.
    DisableProfile,
    /// ES4 DeleteProfile, ES3 DeleteISDP.
    DeleteProfile,
    /// ES3/ES4 SetFallbackAttribute.
    SetFallbackAttribute,
    /// ES3/ES4 UpdatePolicyRules.
    UpdatePolicyRules,
    /// ES3/ES4 UpdateSubscriptionAddress.
    UpdateSubscriptionAddress,
    /// ES3/ES4 GetEIS.
    GetEis,
    /// ES3/ES4 AuditEIS.
    AuditEis,
    /// ES1 RegisterEIS.
    RegisterEis,
    /// ES3 CreateISDP.
    CreateIsdp,
    /// ES3 SendData.
    SendData,
    /// ES3 ProfileDownloadCompleted.
    ProfileDownloadCompleted,
    /// ES3 UpdateConnectivityParameters.
    UpdateConnectivityParameters,
    /// ES2 DownloadProfile.
    DownloadProfile,
    /// ES4 PrepareSMSRChange (Operator → the new SM-SR, SGP.02 §3.7; not in
    /// [`Function::of`]: see [`super::es4::Es4SmsrChangeRequest`]).
    PrepareSmsrChange,
    /// ES4 SMSRChange (Operator → the current SM-SR; see
    /// [`super::es4::Es4SmsrChangeRequest`]).
    SmsrChange,
    /// ES7 HandoverEUICC (the current SM-SR → the new one: the EIS).
    HandoverEuicc,
    /// ES7 AuthenticateSMSR (the new SM-SR → the current one: CERT.SR.ECDSA).
    AuthenticateSmsr,
    /// ES7 CreateAdditionalKeySet (the new SM-SR → the current one: its key agreement).
    CreateAdditionalKeySet,
}

/// The notifications: the SM-SR's (ES4 to the Operator, ES3 to the SM-DP) and the SM-DP's
/// to the Operator (ES2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// HandleProfileEnabledNotification.
    ProfileEnabled,
    /// HandleProfileDisabledNotification.
    ProfileDisabled,
    /// HandleProfileDeletedNotification.
    ProfileDeleted,
    /// HandleSMSRChangeNotification (ES2, ES4): the eUICC has a new SM-SR; carries the EIS
    /// (`Eis`, `CompletionTimestamp`; our reading, as the SGP.02 JAXB types of a public
    /// SM-SR show them), see [`super::message::SmsrChangeNotification`].
    SmsrChange,
}

impl NotificationKind {
    /// The Profile notifications (`Eid`, `Iccid`, `CompletionTimestamp`).
    pub const ALL: [Self; 3] = [
        Self::ProfileEnabled,
        Self::ProfileDisabled,
        Self::ProfileDeleted,
    ];

    /// Body element name.
    pub fn element(self) -> &'static str {
        match self {
            Self::ProfileEnabled => "HandleProfileEnabledNotification",
            Self::ProfileDisabled => "HandleProfileDisabledNotification",
            Self::ProfileDeleted => "HandleProfileDeletedNotification",
            Self::SmsrChange => "HandleSMSRChangeNotification",
        }
    }
}

impl Function {
    /// The functions each interface offers (a subset of SGP.02's).
    pub fn of(interface: Interface) -> &'static [Function] {
        use Function::*;
        match interface {
            Interface::Es1 => &[RegisterEis],
            // SGP.02 §5.3 (ES2-MessageType of the SGP.02 schema as public code shows it).
            Interface::Es2 => &[
                GetEis,
                DownloadProfile,
                UpdatePolicyRules,
                UpdateSubscriptionAddress,
                EnableProfile,
                DisableProfile,
                DeleteProfile,
                AuditEis,
            ],
            Interface::Es4 => &[
                EnableProfile,
                DisableProfile,
                DeleteProfile,
                SetFallbackAttribute,
                UpdatePolicyRules,
                UpdateSubscriptionAddress,
                GetEis,
                AuditEis,
            ],
            Interface::Es3 => &[
                EnableProfile,
                DisableProfile,
                DeleteProfile,
                SetFallbackAttribute,
                UpdatePolicyRules,
                UpdateSubscriptionAddress,
                GetEis,
                AuditEis,
                CreateIsdp,
                SendData,
                ProfileDownloadCompleted,
                UpdateConnectivityParameters,
            ],
        }
    }

    /// The body element (operation) name on `interface`.
    pub fn element(self, interface: Interface) -> &'static str {
        match self {
            Self::EnableProfile => "EnableProfile",
            Self::DisableProfile => "DisableProfile",
            // SGP.02 §5.5 names the ES3 function DeleteISDP (Njiwa's DeleteISDPResponse).
            Self::DeleteProfile if interface == Interface::Es3 => "DeleteISDP",
            Self::DeleteProfile => "DeleteProfile",
            Self::SetFallbackAttribute => "SetFallbackAttribute",
            Self::UpdatePolicyRules => "UpdatePolicyRules",
            Self::UpdateSubscriptionAddress => "UpdateSubscriptionAddress",
            Self::GetEis => "GetEIS",
            Self::AuditEis => "AuditEIS",
            Self::RegisterEis => "RegisterEIS",
            Self::CreateIsdp => "CreateISDP",
            Self::SendData => "SendData",
            Self::ProfileDownloadCompleted => "ProfileDownloadCompleted",
            Self::UpdateConnectivityParameters => "UpdateConnectivityParameters",
            Self::DownloadProfile => "DownloadProfile",
            // Njiwa's operation names add `Request` (`PrepareSMSRChangeRequest`,
            // `AuthenticateSMSRRequest`); we name the body after the function as elsewhere.
            Self::PrepareSmsrChange => "PrepareSMSRChange",
            Self::SmsrChange => "SMSRChange",
            Self::HandoverEuicc => "HandoverEUICC",
            Self::AuthenticateSmsr => "AuthenticateSMSR",
            Self::CreateAdditionalKeySet => "CreateAdditionalKeySet",
        }
    }

    /// The ES7 functions (SGP.02 §5.7), which [`Interface`] has no variant for: see
    /// [`super::es7`].
    pub const ES7: [Function; 3] = [
        Function::HandoverEuicc,
        Function::AuthenticateSmsr,
        Function::CreateAdditionalKeySet,
    ];

    /// The ES4 SM-SR change functions (see [`super::es4::Es4SmsrChangeRequest`]).
    pub const ES4_SMSR_CHANGE: [Function; 2] = [Function::PrepareSmsrChange, Function::SmsrChange];

    /// The action group of the URI (Njiwa: `ProfileManagent` sic, `eUICCManagement`).
    fn group(self) -> &'static str {
        match self {
            // Njiwa: `http://gsma.com/ES4/eUICCManagement/ES4-PrepareSMSRChange`,
            // `http://gsma.com/ES7/eUICCManagement/ES7-HandoverEUICC`.
            Self::RegisterEis
            | Self::PrepareSmsrChange
            | Self::SmsrChange
            | Self::HandoverEuicc
            | Self::AuthenticateSmsr
            | Self::CreateAdditionalKeySet => "eUICCManagement",
            _ => "ProfileManagent",
        }
    }
}

fn if_name(interface: Interface) -> &'static str {
    match interface {
        Interface::Es1 => "ES1",
        Interface::Es2 => "ES2",
        Interface::Es3 => "ES3",
        Interface::Es4 => "ES4",
    }
}

/// `http://gsma.com/ES4/ProfileManagent/ES4-EnableProfile` (Njiwa's pattern).
pub fn request_action(interface: Interface, function: Function) -> String {
    action_of(
        if_name(interface),
        function.group(),
        function.element(interface),
    )
}

fn action_of(i: &str, group: &str, element: &str) -> String {
    format!("http://gsma.com/{i}/{group}/{i}-{element}")
}

/// An ES7 request's action: `http://gsma.com/ES7/eUICCManagement/ES7-HandoverEUICC`
/// (Njiwa's).
pub fn es7_request_action(function: Function) -> String {
    // The interface only tells DeleteISDP from DeleteProfile.
    action_of("ES7", function.group(), function.element(Interface::Es4))
}

/// An ES7 response's action: the request's with `Response` appended, as on the other
/// interfaces (our reading; Njiwa's asynchronous results use
/// `http://gsma.com/ES7/eUICCManagementCallBack/ES7-HandoverEUICC`).
pub fn es7_response_action(function: Function) -> String {
    format!("{}{RESPONSE_SUFFIX}", es7_request_action(function))
}

/// ES7 HandleSMSRChangeNotification's action (the current SM-SR tells the new one it
/// deleted the EIS): `http://gsma.com/ES7/eUICCManagementCallBack/ES7-HandleSMSRChangeNotification`
/// (the pattern of the other notifications with Njiwa's ES7 callback group, our reading).
pub fn es7_notification_action() -> String {
    action_of(
        "ES7",
        "eUICCManagementCallBack",
        NotificationKind::SmsrChange.element(),
    )
}

/// The request action with `Response` appended (our reading; Njiwa uses it for GetEIS and
/// a `…CallBack/` group for asynchronous results).
pub fn response_action(interface: Interface, function: Function) -> String {
    format!("{}{RESPONSE_SUFFIX}", request_action(interface, function))
}

/// `http://gsma.com/ES4/ProfileManagentCallBack/ES4-HandleProfileEnabledNotification`
/// (Njiwa's pattern for HandleSMSRChangeNotification).
pub fn notification_action(interface: Interface, kind: NotificationKind) -> String {
    let i = if_name(interface);
    format!(
        "http://gsma.com/{i}/ProfileManagentCallBack/{i}-{}",
        kind.element()
    )
}
