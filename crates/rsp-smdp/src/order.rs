//! A DownloadProfile order (SGP.02 §3.1, ES2) carried out over ES3 with the SM-SR: the
//! steps of §3.1.1–§3.1.4 in order, each a call of the SM-SR's web service, with the
//! order's [`Stage`] checkpointed after each step that changes the eUICC so that a
//! restarted SM-DP resumes instead of starting again:
//!
//! 1. GetEIS (the eUICC is known, its ECASD certificate), CreateISDP for the Profile's
//!    ICCID with the package's size, GetEIS again for the new ISD-P's AID (our SM-SR's
//!    CreateISDP response carries no AID) → [`Stage::IsdpCreated`];
//! 2. key establishment and the SCP03t download as SendData scripts to the ISD-P
//!    ([`crate::es8`], [`crate::download`]) → [`Stage::Installed`]; on any failure the
//!    ISD-P is deleted (ES3 DeleteISDP) and the order fails;
//! 3. UpdateConnectivityParameters with the Profile's MSISDN when it has one, then
//!    ProfileDownloadCompleted → [`Stage::Completed`];
//! 4. EnableProfile when the order asks for it → [`Stage::Enabled`].
//!
//! After a restart at [`Stage::IsdpCreated`] the key establishment starts again (the
//! ISD-P accepts a new one until it holds a Profile). The transport is the caller's
//! ([`Es3`]): the domain makes requests and reads responses.

use std::future::Future;

use rsp_codec::sgp02::SmsAddress;
use rsp_codec::ws::es3::Es3Request;
use rsp_codec::ws::{
    Eis, ExecutionStatus, ProfileRequest, ProfileState, Response, StatusCodeData,
    SubscriptionAddress,
};
use rsp_crypto::isdp_keys::IsdpKeys;
use rsp_ota::{CommandScript, RemoteFormat, ResponseScript};
use serde::{Deserialize, Serialize};

use crate::download::{Download, Installation};
use crate::es8::{KeyEstablishment, script_answer};
use crate::{SmdpCredential, SmdpError};

/// The SM-SR's ES3 web service, as the SM-DP calls it (synchronously).
pub trait Es3 {
    /// Sends `request`; the SM-SR's response, or why there is none.
    fn call(
        &self,
        request: Es3Request,
    ) -> impl Future<Output = Result<Response, OrderError>> + Send;
}

/// Persists an order after each stage reached; `false` stops the run (the caller lost the
/// order, e.g. its lease ran out and another worker took it over). A closure
/// `FnMut(&DownloadOrder)` is a checkpoint that never stops the run.
pub trait Checkpoint {
    /// Persists `order`.
    fn save(&mut self, order: &DownloadOrder) -> impl Future<Output = bool> + Send;
}

impl<F: FnMut(&DownloadOrder) + Send> Checkpoint for F {
    fn save(&mut self, order: &DownloadOrder) -> impl Future<Output = bool> + Send {
        self(order);
        std::future::ready(true)
    }
}

/// Where an order stands; persisted after each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Accepted from the Operator; nothing done on the eUICC yet.
    Accepted,
    /// The ISD-P exists (its AID in the order).
    IsdpCreated,
    /// The Profile is installed in the ISD-P (disabled).
    Installed,
    /// The SM-SR was told (ProfileDownloadCompleted).
    Completed,
    /// The Profile is enabled.
    Enabled,
    /// Given up; the ISD-P was deleted if it had been created.
    Failed,
}

impl Stage {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::IsdpCreated => "isdp_created",
            Self::Installed => "installed",
            Self::Completed => "completed",
            Self::Enabled => "enabled",
            Self::Failed => "failed",
        }
    }

    /// The stage of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "accepted" => Self::Accepted,
            "isdp_created" => Self::IsdpCreated,
            "installed" => Self::Installed,
            "completed" => Self::Completed,
            "enabled" => Self::Enabled,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// A download order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadOrder {
    /// eUICC.
    pub eid: String,
    /// The Profile's ICCID.
    pub iccid: String,
    /// Profile type.
    pub profile_type: String,
    /// The Operator owning the Profile (`Mno-ID`).
    pub mno_id: String,
    /// The Profile's MSISDN, when it has one (its subscription address).
    pub msisdn: Option<String>,
    /// Enable once installed.
    pub enable: bool,
    /// The ISD-P's AID (hex) once created.
    pub isdp_aid: Option<String>,
    /// Progress.
    pub stage: Stage,
}

/// Why an order failed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The SM-SR answered a function with a failure.
    #[error("the SM-SR refused {function}: {}", describe(.status))]
    Refused {
        /// The ES3 function.
        function: &'static str,
        /// Its status code data, when given.
        status: Option<StatusCodeData>,
    },
    /// The SM-SR could not be reached or answered something unreadable.
    #[error("ES3 transport: {0}")]
    Transport(String),
    /// An ES8 step failed (the eUICC refused, a receipt or MAC did not verify).
    #[error("ES8: {0}")]
    Es8(#[from] SmdpError),
    /// The eUICC did not install the Profile (its `PEStatus` code).
    #[error("the eUICC aborted the installation (PEStatus {0})")]
    Installation(u32),
    /// The EIS lacks what the download needs.
    #[error("EIS: {0}")]
    Eis(&'static str),
    /// The Profile Package is not one the eUICC would install, or not the order's.
    #[error("Profile Package: {0}")]
    Package(&'static str),
    /// The checkpoint stopped the run (the order is no longer this worker's).
    #[error("the order was taken over")]
    Abandoned,
}

/// A key establishment step failed: the SM-DP's ES8 error.
impl From<rsp_keyest::KeyEstError> for OrderError {
    fn from(e: rsp_keyest::KeyEstError) -> Self {
        Self::Es8(e.into())
    }
}

fn describe(s: &Option<StatusCodeData>) -> String {
    s.as_ref().map_or_else(
        || "no status code".into(),
        |d| format!("{}/{}", d.subject_code, d.reason_code),
    )
}

/// What an SM-DP brings to every order.
pub struct Downloader<'a, C> {
    /// The SM-SR's web service.
    pub es3: &'a C,
    /// CERT.DP.ECDSA and its key.
    pub credential: &'a SmdpCredential,
    /// The SM-DP's host identifier in the key derivation (1..16 octets).
    pub host_id: &'a [u8],
    /// Key version of the ISD-P keysets it establishes.
    pub key_version: u8,
    /// At most this many C-APDUs in one SendData (one script).
    pub max_apdus_per_script: usize,
}

impl<C: Es3 + Sync> Downloader<'_, C> {
    /// Carries `order` out from its stage with the Profile Package `package`, calling
    /// `checkpoint` after each stage reached (the caller persists the order there).
    /// A run at [`Stage::Failed`] does nothing.
    pub async fn run(
        &self,
        order: &mut DownloadOrder,
        package: &[u8],
        mut checkpoint: impl Checkpoint + Send,
    ) -> Result<(), OrderError> {
        let checked = rsp_saip::install::check(package)
            .map_err(|_| OrderError::Package("it does not pass the eUICC's checks"))?;
        if checked.iccid().as_deref() != Some(order.iccid.as_str()) {
            return Err(OrderError::Package("its header names another ICCID"));
        }
        // The ECASD certificate read in step 1 serves step 2 of the same run; a run resumed
        // at IsdpCreated reads it again.
        let mut ecasd = None;
        if order.stage == Stage::Accepted {
            ecasd = Some(self.create_isdp(order, package.len()).await?);
            order.stage = Stage::IsdpCreated;
            if !checkpoint.save(order).await {
                return Err(OrderError::Abandoned);
            }
        }
        if order.stage == Stage::IsdpCreated {
            if let Err(e) = self.install(order, package, ecasd).await {
                // The SM-SR out of reach says nothing about the ISD-P: keep it, and the
                // stage, for another try (the key establishment starts again then).
                if matches!(e, OrderError::Transport(_)) {
                    return Err(e);
                }
                self.roll_back(order).await;
                order.stage = Stage::Failed;
                if !checkpoint.save(order).await {
                    return Err(OrderError::Abandoned);
                }
                return Err(e);
            }
            order.stage = Stage::Installed;
            if !checkpoint.save(order).await {
                return Err(OrderError::Abandoned);
            }
        }
        if order.stage == Stage::Installed {
            self.complete(order).await?;
            order.stage = Stage::Completed;
            if !checkpoint.save(order).await {
                return Err(OrderError::Abandoned);
            }
        }
        if order.stage == Stage::Completed && order.enable {
            let request = ProfileRequest::EnableProfile {
                eid: order.eid.clone(),
                iccid: order.iccid.clone(),
            };
            self.call("EnableProfile", Es3Request::Profile(request))
                .await?;
            order.stage = Stage::Enabled;
            if !checkpoint.save(order).await {
                return Err(OrderError::Abandoned);
            }
        }
        Ok(())
    }

    async fn call(
        &self,
        function: &'static str,
        request: Es3Request,
    ) -> Result<Response, OrderError> {
        let r = self.es3.call(request).await?;
        if r.status.status == ExecutionStatus::Failed || r.status.status == ExecutionStatus::Expired
        {
            return Err(OrderError::Refused {
                function,
                status: r.status.status_code_data,
            });
        }
        Ok(r)
    }

    async fn get_eis(&self, eid: &str) -> Result<Eis, OrderError> {
        let r = self
            .call(
                "GetEIS",
                Es3Request::Profile(ProfileRequest::GetEis {
                    eid: eid.to_owned(),
                }),
            )
            .await?;
        r.eis
            .map(|e| *e)
            .ok_or(OrderError::Eis("GetEIS gave no EIS"))
    }

    /// Step 1; an ISD-P already made for this ICCID (a restart between CreateISDP and the
    /// checkpoint) is taken as it is.
    /// Returns the ECASD certificate (DER) the EIS holds.
    async fn create_isdp(
        &self,
        order: &mut DownloadOrder,
        size: usize,
    ) -> Result<Vec<u8>, OrderError> {
        let eis = self.get_eis(&order.eid).await?;
        let ecasd = eis
            .ecasd
            .as_ref()
            .ok_or(OrderError::Eis("no ECASD certificate"))?
            .certificate
            .clone();
        let known = |eis: &Eis| {
            eis.profiles
                .iter()
                .find(|p| p.iccid == order.iccid)
                .map(|p| p.isdp_aid.clone())
        };
        let aid = match known(&eis) {
            Some(aid) => aid,
            None => {
                self.call(
                    "CreateISDP",
                    Es3Request::CreateIsdp {
                        eid: order.eid.clone(),
                        iccid: order.iccid.clone(),
                        mno_id: order.mno_id.clone(),
                        required_memory: u64::try_from(size).unwrap_or(u64::MAX),
                        more_to_do: Some(true),
                    },
                )
                .await?;
                known(&self.get_eis(&order.eid).await?)
                    .ok_or(OrderError::Eis("the new ISD-P is not in the EIS"))?
            }
        };
        order.isdp_aid = Some(aid);
        Ok(ecasd)
    }

    /// One SendData to the ISD-P per `max_apdus_per_script` C-APDUs; the R-APDUs of the
    /// last one (every earlier one checked).
    async fn send(
        &self,
        order: &DownloadOrder,
        apdus: Vec<Vec<u8>>,
    ) -> Result<Vec<Vec<u8>>, OrderError> {
        let aid = order.isdp_aid.clone().ok_or(OrderError::Eis("no ISD-P"))?;
        let per = self.max_apdus_per_script.max(1);
        let count = apdus.len().div_ceil(per);
        let mut last = Vec::new();
        for (i, chunk) in apdus.chunks(per).enumerate() {
            if !last.is_empty() {
                script_answer(&last)?;
            }
            let data = CommandScript {
                format: RemoteFormat::Expanded,
                apdus: chunk.to_vec(),
            }
            .encode()
            .map_err(|e| OrderError::Transport(format!("script: {e}")))?;
            let r = self
                .call(
                    "SendData",
                    Es3Request::SendData {
                        eid: order.eid.clone(),
                        sd_aid: aid.clone(),
                        data,
                        more_to_do: Some(i + 1 < count),
                    },
                )
                .await?;
            let raw = r.euicc_response_data.ok_or(OrderError::Transport(
                "SendData without response data".into(),
            ))?;
            last = ResponseScript::decode(&raw, RemoteFormat::Expanded)
                .map_err(|e| OrderError::Transport(format!("response script: {e}")))?
                .responses;
        }
        Ok(last)
    }

    /// Step 2: key establishment with the ECASD certificate `ecasd` (read from the EIS when
    /// not given), then the download.
    async fn install(
        &self,
        order: &DownloadOrder,
        package: &[u8],
        ecasd: Option<Vec<u8>>,
    ) -> Result<(), OrderError> {
        let ecasd = match ecasd {
            Some(der) => der,
            None => {
                let eis = self.get_eis(&order.eid).await?;
                eis.ecasd
                    .ok_or(OrderError::Eis("no ECASD certificate"))?
                    .certificate
            }
        };
        let cert = rsp_pki::Cert::from_der(&ecasd)
            .map_err(|_| OrderError::Eis("the ECASD certificate does not parse"))?;
        let ke = KeyEstablishment::new(cert.public_key().clone(), self.key_version, self.host_id)?;
        let r = self
            .send(order, ke.certificate_script(self.credential)?)
            .await?;
        let (second, waiting) = ke.on_challenge(&r, self.credential)?;
        let r = self.send(order, second).await?;
        let keys: IsdpKeys = waiting.on_receipt(&r)?;
        let (download, first) = Download::new(&keys, self.key_version)?;
        let r = self.send(order, first).await?;
        let (segments, waiting) = download.on_initialize_update(&r, package)?;
        let r = self.send(order, segments).await?;
        match waiting.on_result(&r)? {
            Installation::Installed => Ok(()),
            Installation::Aborted { status } => Err(OrderError::Installation(status)),
        }
    }

    /// After a failed installation: DeleteISDP, best effort (the failure is reported
    /// either way), and only while the EIS shows the ISD-P without a Profile: an order run
    /// again on an installed Profile must not delete it.
    async fn roll_back(&self, order: &DownloadOrder) {
        let Ok(eis) = self.get_eis(&order.eid).await else {
            return;
        };
        let empty = eis
            .profiles
            .iter()
            .any(|p| p.iccid == order.iccid && p.state == ProfileState::Created);
        if empty {
            let request = ProfileRequest::DeleteProfile {
                eid: order.eid.clone(),
                iccid: order.iccid.clone(),
            };
            let _ = self.es3.call(Es3Request::Profile(request)).await;
        }
    }

    /// Step 3.
    async fn complete(&self, order: &DownloadOrder) -> Result<(), OrderError> {
        let address = order.msisdn.as_ref().map(|m| SubscriptionAddress {
            msisdn: Some(m.clone()),
            imsi: None,
        });
        if let Some(msisdn) = &order.msisdn {
            let encoded = SmsAddress::international(msisdn)
                .encode()
                .map_err(|_| OrderError::Eis("the MSISDN does not encode"))?;
            let mut params = vec![0x80, u8::try_from(encoded.len()).unwrap_or(u8::MAX)];
            params.extend(encoded);
            self.call(
                "UpdateConnectivityParameters",
                Es3Request::UpdateConnectivityParameters {
                    eid: order.eid.clone(),
                    iccid: order.iccid.clone(),
                    connectivity_parameters: params,
                },
            )
            .await?;
        }
        self.call(
            "ProfileDownloadCompleted",
            Es3Request::ProfileDownloadCompleted {
                eid: order.eid.clone(),
                iccid: order.iccid.clone(),
                profile_type: Some(order.profile_type.clone()),
                subscription_address: address,
                pol2: None,
            },
        )
        .await?;
        Ok(())
    }
}
