//! A Profile as the SM-DP+ inventory keeps it.

use std::fmt;

use rsp_codec::json::{Eid, Iccid};
use zeroize::Zeroizing;

use crate::confirmation_code::CcHash;
use crate::matching_id::MatchingId;
use crate::operator::OperatorId;
use crate::order_controls::OrderControls;
use crate::ppr::ProfilePolicyRules;
use crate::profile_state::ProfileState;

/// The Profile Package (SAIP DER, SGP.22 §2.5.3 "Unprotected Profile Package"): it holds
/// Ki/OPc, PINs and PUKs, so `Debug` shows only its length and the bytes are wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct ProfilePackage(Zeroizing<Vec<u8>>);

impl ProfilePackage {
    /// Wraps the package bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The package bytes (handle with care).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for ProfilePackage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProfilePackage(<{} bytes redacted>)", self.0.len())
    }
}

/// The version of the eUICC Profile Package specification (SAIP) a package follows: the
/// `major-version` / `minor-version` of its ProfileHeader (TCA eUICC Profile Package
/// specification §8.2; SGP.22 §3.1.3.1 compares it with `EUICCInfo2.profileVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PackageVersion {
    /// `major-version` (ProfileHeader tag 80).
    pub major: u8,
    /// `minor-version` (ProfileHeader tag 81).
    pub minor: u8,
}

impl PackageVersion {
    /// Read from the first Profile Element of `package`, which is the ProfileHeader
    /// (`[0]`, tag A0); `None` when the package does not start with a readable header.
    pub fn of_package(package: &[u8]) -> Option<Self> {
        let (header, _) = rsp_crypto::scp03t::parse_tlv(package).ok()?;
        if header.tag != [0xA0] {
            return None;
        }
        let fields = rsp_crypto::scp03t::split_tlvs(header.value).ok()?;
        let byte = |tag: u8| match fields.iter().find(|t| t.tag == [tag])?.value {
            [v] => Some(*v),
            _ => None,
        };
        Some(Self {
            major: byte(0x80)?,
            minor: byte(0x81)?,
        })
    }

    /// The stored form: `major * 256 + minor`.
    pub const fn value(self) -> i64 {
        (self.major as i64) << 8 | self.minor as i64
    }

    /// From the stored form.
    pub fn from_value(value: i64) -> Option<Self> {
        let v = u16::try_from(value).ok()?;
        let [major, minor] = v.to_be_bytes();
        Some(Self { major, minor })
    }
}

/// A Profile to import into the inventory (state `Available`).
#[derive(Debug, Clone)]
pub struct NewProfile {
    /// Unique over the whole SM-DP+.
    pub iccid: Iccid,
    /// The owner.
    pub operator: OperatorId,
    /// The Operator's Profile Type name (ES2+.DownloadOrder `profileType`).
    pub profile_type: String,
    /// The personalised Profile Package; stored encrypted.
    pub package: ProfilePackage,
    /// What the eUICC and the end user are shown (ES9+ `profileMetadata`).
    pub metadata: ProfileMetadata,
}

/// `profileClass` of a Profile (SGP.22 §2.4a, `ProfileClass` INTEGER).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProfileClass {
    /// `test(0)`.
    Test,
    /// `provisioning(1)`.
    Provisioning,
    /// `operational(2)`, the default.
    #[default]
    Operational,
}

impl ProfileClass {
    /// The ASN.1 INTEGER value (also the stored value).
    pub const fn value(self) -> i64 {
        match self {
            Self::Test => 0,
            Self::Provisioning => 1,
            Self::Operational => 2,
        }
    }

    /// From the ASN.1 INTEGER value.
    pub const fn from_value(value: i64) -> Option<Self> {
        match value {
            0 => Some(Self::Test),
            1 => Some(Self::Provisioning),
            2 => Some(Self::Operational),
            _ => None,
        }
    }
}

/// The Profile Metadata the SM-DP+ sends in ES9+.AuthenticateClient and stores on the eUICC
/// with ES8+.StoreMetadata (SGP.22 §5.5.3): the ICCID comes from the record itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileMetadata {
    /// `serviceProviderName` (tag 91).
    pub service_provider_name: String,
    /// `profileName` (tag 92).
    pub profile_name: String,
    /// `profileClass` (tag 95).
    pub profile_class: ProfileClass,
    /// `profilePolicyRules` (tag 99, SGP.22 §2.9.1): none by default.
    pub profile_policy_rules: ProfilePolicyRules,
}

/// The mutable record of one Profile (everything but the package).
///
/// Stores update it with optimistic concurrency: a write carries the `version` it was read
/// at and fails with [`crate::store::StoreError::Conflict`] if the row moved on since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRecord {
    /// Unique over the whole SM-DP+.
    pub iccid: Iccid,
    /// The owner.
    pub operator: OperatorId,
    /// Profile Type name.
    pub profile_type: String,
    /// Lifecycle state.
    pub state: ProfileState,
    /// The eUICC of the current order, if linked.
    pub eid: Option<Eid>,
    /// The first eUICC this Profile was ever linked to. Set once, never cleared, not even by
    /// CancelOrder: a Profile is bound to at most one EID, ever (SGP.22 §3.1: a Profile's
    /// credentials must not end up on two eUICCs).
    pub eid_ever_bound: Option<Eid>,
    /// The MatchingID of the confirmed order (`None` for the default SM-DP+ flow, §3.1.2).
    pub matching_id: Option<MatchingId>,
    /// SHA-256(Confirmation Code), when the order requires one (§3.1.3).
    pub cc_hash: Option<CcHash>,
    /// Failed Confirmation Code attempts so far (ES9+.GetBoundProfilePackage, §5.6.2).
    pub cc_attempts: u32,
    /// Attempts allowed before 8.2.7/6.4.
    pub cc_max_attempts: u32,
    /// SM-DS where an event was requested (ES2+.ConfirmOrder `smdsAddress`).
    pub smds_address: Option<String>,
    /// The Bound Profile Package was delivered at least once.
    pub downloaded_ever: bool,
    /// Optimistic-concurrency version of the row.
    pub version: i64,
    /// Size in bytes of the (unprotected) Profile Package, for the eligibility check.
    pub package_size: usize,
    /// The package's SAIP version, for the eligibility check; `None` when its header was
    /// not readable (such a package is taken as v2.0).
    pub package_version: Option<PackageVersion>,
    /// `transactionId` of the session that last delivered this Profile's BPP: a new session
    /// of the same eUICC finds the earlier otPK.EUICC there (SGP.22 §3.1.3, retry).
    pub bpp_transaction_id: Option<Vec<u8>>,
    /// Profile Metadata (fixed at import).
    pub metadata: ProfileMetadata,
    /// Expiry and download attempts of the current order ([`crate::order_controls`]).
    pub order: OrderControls,
}

impl ProfileRecord {
    /// Links the record to `eid`, enforcing the one-EID-ever rule; `false` if refused.
    #[must_use]
    pub fn link_eid(&mut self, eid: &Eid) -> bool {
        match &self.eid_ever_bound {
            Some(bound) if bound != eid => false,
            _ => {
                self.eid_ever_bound = Some(eid.clone());
                self.eid = Some(eid.clone());
                true
            }
        }
    }
}
