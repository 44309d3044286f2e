//! Certificate roles of the GSMA RSP PKI and their certificate-policy OIDs.
//!
//! SGP.22 v2.5 §4.5.2.1 (certificate profiles) and the `id-rspRole` arc of the
//! RSPDefinitions ASN.1 module: `id-rspRole ::= {2 23 146 1 2 1}`. SGP.22 v3
//! (certificate variants A/B/C) adds a nested arc below `id-rspRole-ci`; both
//! forms are recognised when validating, the v2 (variant O) form is issued.

use const_oid::ObjectIdentifier;
use std::fmt;
use std::str::FromStr;

/// `id-rspRole` (SGP.22 RSPDefinitions).
pub const ID_RSP_ROLE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.146.1.2.1");

/// A role a certificate plays in the RSP ecosystem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// GSMA Certificate Issuer (root), `id-rspRole-ci`.
    Ci,
    /// eUICC Manufacturer (issues eUICC certificates), `id-rspRole-eum`.
    Eum,
    /// eUICC, `id-rspRole-euicc`.
    Euicc,
    /// SM-DP+ TLS server certificate, `id-rspRole-dp-tls`.
    DpTls,
    /// SM-DP+ authentication (ES9+ `serverSignature1`), `id-rspRole-dp-auth`.
    DpAuth,
    /// SM-DP+ profile binding (`smdpSignature2`, BPP), `id-rspRole-dp-pb`.
    DpPb,
    /// SM-DS TLS server certificate, `id-rspRole-ds-tls`.
    DsTls,
    /// SM-DS authentication, `id-rspRole-ds-auth`.
    DsAuth,
    /// eIM signing certificate (SGP.32). SGP.32 v1.2 defines no role policy OID;
    /// the SGP.26 variant O eIM certificate carries none.
    Eim,
    /// Operator (ES2+ client) TLS certificate; no GSMA role policy OID.
    Mno,
    /// An intermediate CA between the CI and an SM-DP+/SM-DS leaf (SGP.22 v3 sub-CA).
    SubCa,
}

impl Role {
    /// Every role, in the order `rsp pki init` writes them.
    pub const ALL: [Role; 11] = [
        Role::Ci,
        Role::Eum,
        Role::Euicc,
        Role::DpAuth,
        Role::DpPb,
        Role::DpTls,
        Role::DsAuth,
        Role::DsTls,
        Role::Eim,
        Role::Mno,
        Role::SubCa,
    ];

    /// Short name used on the command line and for file names (`dp-auth`, `eum`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Role::Ci => "ci",
            Role::Eum => "eum",
            Role::Euicc => "euicc",
            Role::DpTls => "dp-tls",
            Role::DpAuth => "dp-auth",
            Role::DpPb => "dp-pb",
            Role::DsTls => "ds-tls",
            Role::DsAuth => "ds-auth",
            Role::Eim => "eim",
            Role::Mno => "mno",
            Role::SubCa => "sub-ca",
        }
    }

    /// Human label used in error messages (`DPauth`, `eUICC`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Role::Ci => "CI",
            Role::Eum => "EUM",
            Role::Euicc => "eUICC",
            Role::DpTls => "DPtls",
            Role::DpAuth => "DPauth",
            Role::DpPb => "DPpb",
            Role::DsTls => "DStls",
            Role::DsAuth => "DSauth",
            Role::Eim => "eIM",
            Role::Mno => "operator",
            Role::SubCa => "sub-CA",
        }
    }

    /// The last arc of the SGP.22 v2 role OID below `id-rspRole`, if the role has one.
    fn v2_arc(self) -> Option<u32> {
        match self {
            Role::Ci => Some(0),
            Role::Euicc => Some(1),
            Role::Eum => Some(2),
            Role::DpTls => Some(3),
            Role::DpAuth => Some(4),
            Role::DpPb => Some(5),
            Role::DsTls => Some(6),
            Role::DsAuth => Some(7),
            Role::Eim | Role::Mno | Role::SubCa => None,
        }
    }

    /// The SGP.22 v2 policy OID `2.23.146.1.2.1.x` this role's certificates carry.
    pub fn policy_oid(self) -> Option<ObjectIdentifier> {
        self.v2_arc().and_then(|arc| ID_RSP_ROLE.push_arc(arc).ok())
    }

    /// The arcs below `id-rspRole` of the SGP.22 v3 nested role OID (variants A/B/C).
    fn v3_arcs(self) -> Option<&'static [u32]> {
        match self {
            Role::Euicc => Some(&[0, 0, 0, 0, 0]),
            Role::Eum => Some(&[0, 0, 0]),
            Role::DpTls => Some(&[0, 0, 1, 0]),
            Role::DpAuth => Some(&[0, 0, 1, 1]),
            Role::DpPb => Some(&[0, 0, 1, 2]),
            Role::DsTls => Some(&[0, 0, 2, 0]),
            Role::DsAuth => Some(&[0, 0, 2, 1]),
            Role::Ci | Role::Eim | Role::Mno | Role::SubCa => None,
        }
    }

    /// Does this policy OID designate this role (v2 or v3 form)?
    pub fn matches_policy(self, oid: &ObjectIdentifier) -> bool {
        if self.policy_oid().as_ref() == Some(oid) {
            return true;
        }
        match (self.v3_arcs(), rsp_role_arcs(oid)) {
            (Some(want), Some(got)) => want == got.as_slice(),
            _ => false,
        }
    }

    /// The role a GSMA role policy OID designates, if any.
    pub fn from_policy(oid: &ObjectIdentifier) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.matches_policy(oid))
    }

    /// Is this a CA role (keyCertSign, basicConstraints cA)?
    pub fn is_ca(self) -> bool {
        matches!(self, Role::Ci | Role::Eum | Role::SubCa)
    }

    /// Does this role require the TLS server-authentication extended key usage?
    pub fn is_tls_server(self) -> bool {
        matches!(self, Role::DpTls | Role::DsTls)
    }
}

/// The arcs of `oid` below `id-rspRole`, if it lies in that arc.
fn rsp_role_arcs(oid: &ObjectIdentifier) -> Option<Vec<u32>> {
    let base: Vec<u32> = ID_RSP_ROLE.arcs().collect();
    let all: Vec<u32> = oid.arcs().collect();
    if all.len() > base.len() && all.starts_with(&base) {
        all.get(base.len()..).map(<[u32]>::to_vec)
    } else {
        None
    }
}

/// Is `oid` anywhere in the `id-rspRole` arc?
pub fn is_rsp_role_oid(oid: &ObjectIdentifier) -> bool {
    rsp_role_arcs(oid).is_some()
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The text given is not a role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?} (expected one of ci, eum, euicc, dp-auth, dp-pb, dp-tls, ds-auth, ds-tls, eim, mno, sub-ca)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.to_ascii_lowercase().replace('_', "-");
        Role::ALL
            .into_iter()
            .find(|r| r.name() == norm || r.name().replace('-', "") == norm)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn v2_oids_match_rspdefinitions() {
        let want = [
            (Role::Ci, "2.23.146.1.2.1.0"),
            (Role::Euicc, "2.23.146.1.2.1.1"),
            (Role::Eum, "2.23.146.1.2.1.2"),
            (Role::DpTls, "2.23.146.1.2.1.3"),
            (Role::DpAuth, "2.23.146.1.2.1.4"),
            (Role::DpPb, "2.23.146.1.2.1.5"),
            (Role::DsTls, "2.23.146.1.2.1.6"),
            (Role::DsAuth, "2.23.146.1.2.1.7"),
        ];
        for (role, oid) in want {
            let oid = ObjectIdentifier::new_unwrap(oid);
            assert_eq!(role.policy_oid(), Some(oid));
            assert_eq!(Role::from_policy(&oid), Some(role));
        }
        assert_eq!(Role::Eim.policy_oid(), None);
    }

    #[test]
    fn v3_nested_oids() {
        let oid = ObjectIdentifier::new_unwrap("2.23.146.1.2.1.0.0.1.1");
        assert_eq!(Role::from_policy(&oid), Some(Role::DpAuth));
        let oid = ObjectIdentifier::new_unwrap("2.23.146.1.2.1.0.0.0.0.0");
        assert_eq!(Role::from_policy(&oid), Some(Role::Euicc));
        assert!(!Role::DpPb.matches_policy(&ObjectIdentifier::new_unwrap("2.23.146.1.2.1.4")));
    }

    #[test]
    fn parse_names() {
        assert_eq!("dp-auth".parse::<Role>(), Ok(Role::DpAuth));
        assert_eq!("DPAUTH".parse::<Role>(), Ok(Role::DpAuth));
        assert_eq!("euicc".parse::<Role>(), Ok(Role::Euicc));
        assert!("dp".parse::<Role>().is_err());
    }
}
