//! Download load through nginx: virtual eUICCs (distinct EIDs under the test PKI's EUM),
//! each with its own LPA and ES9+ client (own TLS connections, so nginx spreads them), and
//! a download retried until the Profile is installed and its notification delivered
//! (SGP.22 §3.1.3: a new session after an interrupted one; §3.5: pending notifications).

use std::time::{Duration, Instant};

use rsp_crypto::{Curve, SoftwareKey};
use rsp_euicc::{EuiccConfig, Identity, Isdr, StateStore};
use rsp_lpa::{Es9PlusClient, Lpa};
use rsp_pki::Role;

use super::Setup;

/// `n` eUICC identities, EIDs numbered from `first`.
pub fn identities(setup: &Setup, first: usize, n: usize) -> Vec<Identity> {
    let eum = setup.pki.get(Role::Eum).unwrap();
    let ci = setup.pki.get(Role::Ci).unwrap().cert.clone();
    let prefix = &setup.opts.eid[..rsp_pki::EID_PREFIX_LEN];
    (first..first + n)
        .map(|i| {
            let first30 = format!("{prefix}{:022}", 1000 + i);
            let eid = rsp_pki::eid_with_check_digits(&first30).unwrap();
            let key = SoftwareKey::generate(Curve::NistP256).unwrap();
            let o = rsp_pki::TestPkiOptions {
                eid,
                ..setup.opts.clone()
            };
            let req = rsp_pki::request_for(Role::Euicc, &key, &o).unwrap();
            let cert = rsp_pki::issue(&req, Some(&eum.cert), &eum.key).unwrap();
            Identity::new(vec![(cert, eum.cert.clone(), key)], vec![ci.clone()]).unwrap()
        })
        .collect()
}

/// How one device's download went.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub iccid: String,
    pub eid: String,
    /// Installed on the eUICC and its installation notification accepted by the SM-DP+.
    pub done: bool,
    /// Failed tries (download or notification) before `done`.
    pub retries: u32,
    pub first_error: Option<String>,
    pub started: Instant,
    pub finished: Instant,
}

/// Downloads `activation_code` into a fresh eUICC, retrying every failure after `pause`
/// until done or `deadline`.
pub async fn download_until_done(
    identity: Identity,
    iccid: String,
    activation_code: String,
    ci_pem: std::path::PathBuf,
    pause: Duration,
    deadline: Instant,
) -> Outcome {
    let eid = identity.eid_text().to_owned();
    let isdr = Isdr::new(identity, EuiccConfig::default(), StateStore::memory()).unwrap();
    let es9 = Es9PlusClient::from_ca_files(&[ci_pem]).unwrap();
    let mut lpa = Lpa::new(isdr, es9);
    let mut out = Outcome {
        iccid: iccid.clone(),
        eid,
        done: false,
        retries: 0,
        first_error: None,
        started: Instant::now(),
        finished: Instant::now(),
    };
    loop {
        let installed = lpa
            .list_profiles()
            .unwrap()
            .iter()
            .any(|p| p.iccid == iccid);
        let step: Result<(), String> = if !installed {
            match lpa.download(&activation_code, None, None).await {
                Ok(r) if r.is_success() => Ok(()),
                Ok(r) => Err(format!("installation failed: {:?}", r.installation)),
                Err(e) => Err(e.to_string()),
            }
        } else {
            match lpa.process_notifications().await {
                Ok(list) => match list.iter().find(|n| !n.delivered) {
                    Some(n) => Err(format!("notification: {:?}", n.error)),
                    None => Ok(()),
                },
                Err(e) => Err(e.to_string()),
            }
        };
        match step {
            Ok(()) if lpa.list_notifications().unwrap().is_empty() => {
                out.done = true;
                out.finished = Instant::now();
                return out;
            }
            Ok(()) => out.retries += 1,
            Err(e) => {
                out.retries += 1;
                out.first_error.get_or_insert(e);
            }
        }
        if Instant::now() >= deadline {
            out.finished = Instant::now();
            return out;
        }
        tokio::time::sleep(pause).await;
    }
}
