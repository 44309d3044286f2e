//! `rsp m2m es4 …`: the Operator's side of ES4 (SGP.02 §5.4) against an SM-SR's web
//! service: one SOAP 1.2 request over mutual TLS, the response printed as JSON (status,
//! codes, the EIS for GetEIS/AuditEIS). With `--reply-to` the SM-SR acknowledges at once
//! and sends the result there later. `prepare-smsr-change` and `smsr-change` start an SM-SR
//! change (SGP.02 §3.7): the first on the new SM-SR, the second on the current one.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es4::{Es4Request, Es4SmsrChangeRequest};
use rsp_codec::ws::{
    Message, Pol2, Pol2Rule, PolicyAction, ProfileRequest, Qualification, RequestBody,
};
use serde_json::{Value, json};

/// Connection to the SM-SR, shared by every function.
#[derive(Debug, Args)]
pub struct Es4Target {
    /// The SM-SR's ES4 endpoint, e.g. https://smsr.example:8446/gsma/sgp02/es4.
    #[arg(long, env = "RSP_ES4_URL")]
    url: String,
    /// The Operator's TLS client certificate chain, PEM (its subject CN is the Operator).
    #[arg(long, env = "RSP_ES4_CERT", value_name = "FILE")]
    cert: PathBuf,
    /// Its private key, PEM.
    #[arg(long, env = "RSP_ES4_KEY", value_name = "FILE")]
    key: PathBuf,
    /// Trust anchor(s) of the SM-SR's TLS certificate, PEM.
    #[arg(long, env = "RSP_ES4_CA", value_name = "FILE")]
    ca: PathBuf,
    /// Where the SM-SR sends the response later (wsa:ReplyTo); without it the call waits
    /// for the result.
    #[arg(long)]
    reply_to: Option<String>,
    /// Validity period of the request, seconds.
    #[arg(long, default_value_t = 300)]
    validity: u64,
}

/// The ES4 functions.
#[derive(Debug, Subcommand)]
pub enum Es4Command {
    /// GetEIS: the eUICC Information Set as this Operator may see it.
    GetEis {
        #[command(flatten)]
        target: Es4Target,
        /// The eUICC.
        #[arg(long)]
        eid: String,
    },
    /// AuditEIS: read the eUICC's ISD-P states and memory, then the EIS.
    AuditEis {
        #[command(flatten)]
        target: Es4Target,
        /// The eUICC.
        #[arg(long)]
        eid: String,
    },
    /// PrepareSMSRChange, sent to the NEW SM-SR: expect the eUICC from its current SM-SR
    /// (SGP.02 §3.7; then `smsr-change` on the current one).
    PrepareSmsrChange {
        #[command(flatten)]
        target: Es4Target,
        /// The eUICC.
        #[arg(long)]
        eid: String,
        /// The eUICC's current SM-SR (its identifier).
        #[arg(long)]
        current_smsr_id: String,
    },
    /// SMSRChange, sent to the CURRENT SM-SR: hand the eUICC over to the new SM-SR (ES7:
    /// the EIS, a new ISD-R keyset for the new SM-SR, this one forgetting the eUICC).
    SmsrChange {
        #[command(flatten)]
        target: Es4Target,
        /// The eUICC.
        #[arg(long)]
        eid: String,
        /// The new SM-SR (its identifier, as in its PrepareSMSRChange's peers).
        #[arg(long)]
        target_smsr_id: String,
    },
    /// EnableProfile.
    Enable(ProfileArgs),
    /// DisableProfile (the fallback Profile is enabled).
    Disable(ProfileArgs),
    /// DeleteProfile.
    Delete(ProfileArgs),
    /// SetFallbackAttribute.
    SetFallback(ProfileArgs),
    /// UpdatePolicyRules: the Profile's POL2.
    UpdatePolicy {
        #[command(flatten)]
        profile: ProfileArgs,
        /// The Profile may not be disabled.
        #[arg(long)]
        disable_not_allowed: bool,
        /// The Profile may not be deleted.
        #[arg(long)]
        delete_not_allowed: bool,
        /// The Profile is deleted once disabled.
        #[arg(long)]
        auto_delete: bool,
    },
    /// UpdateSubscriptionAddress: the Profile's MSISDN and/or IMSI.
    UpdateAddress {
        #[command(flatten)]
        profile: ProfileArgs,
        /// New MSISDN.
        #[arg(long)]
        msisdn: Option<String>,
        /// New IMSI.
        #[arg(long)]
        imsi: Option<String>,
    },
}

/// A function on one Profile.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    target: Es4Target,
    /// The eUICC.
    #[arg(long)]
    eid: String,
    /// The Profile.
    #[arg(long)]
    iccid: String,
}

fn profile(
    p: ProfileArgs,
    f: impl FnOnce(String, String) -> ProfileRequest,
) -> (Es4Target, ProfileRequest) {
    (p.target, f(p.eid, p.iccid))
}

/// Runs an `rsp m2m es4` command.
pub fn run(cmd: Es4Command) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (target, request) = match cmd {
        Es4Command::PrepareSmsrChange {
            target,
            eid,
            current_smsr_id,
        } => {
            let body = Es4SmsrChangeRequest::PrepareSmsrChange {
                eid,
                current_smsr_id,
            };
            return print(runtime.block_on(call(&target, body))?);
        }
        Es4Command::SmsrChange {
            target,
            eid,
            target_smsr_id,
        } => {
            let body = Es4SmsrChangeRequest::SmsrChange {
                eid,
                target_smsr_id,
            };
            return print(runtime.block_on(call(&target, body))?);
        }
        Es4Command::GetEis { target, eid } => (target, ProfileRequest::GetEis { eid }),
        Es4Command::AuditEis { target, eid } => (
            target,
            ProfileRequest::AuditEis {
                eid,
                iccids: Vec::new(),
            },
        ),
        Es4Command::Enable(p) => {
            profile(p, |eid, iccid| ProfileRequest::EnableProfile { eid, iccid })
        }
        Es4Command::Disable(p) => profile(p, |eid, iccid| ProfileRequest::DisableProfile {
            eid,
            iccid,
        }),
        Es4Command::Delete(p) => {
            profile(p, |eid, iccid| ProfileRequest::DeleteProfile { eid, iccid })
        }
        Es4Command::SetFallback(p) => profile(p, |eid, iccid| {
            ProfileRequest::SetFallbackAttribute { eid, iccid }
        }),
        Es4Command::UpdatePolicy {
            profile: p,
            disable_not_allowed,
            delete_not_allowed,
            auto_delete,
        } => {
            let mut rules = Vec::new();
            let mut rule = |on: bool, action, qualification| {
                if on {
                    rules.push(Pol2Rule {
                        action,
                        qualification,
                    });
                }
            };
            rule(
                disable_not_allowed,
                PolicyAction::Disable,
                Qualification::NotAllowed,
            );
            rule(
                delete_not_allowed,
                PolicyAction::Delete,
                Qualification::NotAllowed,
            );
            rule(
                auto_delete,
                PolicyAction::Disable,
                Qualification::AutoDelete,
            );
            profile(p, |eid, iccid| ProfileRequest::UpdatePolicyRules {
                eid,
                iccid,
                pol2: Pol2 { rules },
            })
        }
        Es4Command::UpdateAddress {
            profile: p,
            msisdn,
            imsi,
        } => {
            if msisdn.is_none() && imsi.is_none() {
                bail!("give --msisdn and/or --imsi");
            }
            profile(p, |eid, iccid| ProfileRequest::UpdateSubscriptionAddress {
                eid,
                iccid,
                new_subscription_address: rsp_codec::ws::SubscriptionAddress { msisdn, imsi },
            })
        }
    };
    print(runtime.block_on(call(&target, Es4Request(request)))?)
}

fn print(out: Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

async fn call<B: RequestBody>(t: &Es4Target, body: B) -> anyhow::Result<Value> {
    let read = |p: &PathBuf| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let mut identity = read(&t.key)?;
    identity.extend(read(&t.cert)?);
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&read(&t.ca)?).context("--ca")?])
        .identity(reqwest::Identity::from_pem(&identity).context("--cert/--key")?)
        .timeout(std::time::Duration::from_secs(t.validity.min(600) + 30))
        .build()
        .context("HTTPS client")?;
    let message_id = rsp_http::smsr::ws::message_id();
    let msg: Message<B> = Message::Request(rsp_codec::ws::Request {
        function_call_identifier: message_id.clone(),
        validity_period: Some(t.validity),
        body,
    });
    let text = envelope::build(&msg.envelope(WsHeader {
        to: Some(t.url.clone()),
        reply_to: t.reply_to.clone(),
        message_id: message_id.clone(),
        ..WsHeader::default()
    }));
    let response = client
        .post(&t.url)
        .header("content-type", rsp_http::smsr::ws::SOAP_CONTENT_TYPE)
        .body(text)
        .send()
        .await
        .with_context(|| t.url.clone())?;
    let status = response.status();
    let text = response.text().await.context("reading the response")?;
    if status == reqwest::StatusCode::ACCEPTED {
        return Ok(json!({"messageId": message_id, "accepted": true, "replyTo": t.reply_to}));
    }
    let env = envelope::parse(&text).with_context(|| format!("HTTP {status}: {text}"))?;
    if let Some(fault) = rsp_codec::ws::Fault::from_element(&env.body) {
        let fault = fault.map_err(|e| anyhow::anyhow!("{e}"))?;
        bail!("SOAP fault ({:?}): {}", fault.code, fault.reason);
    }
    let Message::Response(r) =
        Message::<B>::from_envelope(&env).map_err(|e| anyhow::anyhow!("{e}"))?
    else {
        bail!("not a response: {text}");
    };
    let codes = r.status.status_code_data.as_ref().map(|d| {
        json!({"subjectCode": d.subject_code, "reasonCode": d.reason_code,
            "message": d.message, "subjectIdentifier": d.subject_identifier})
    });
    let eis = r.eis.as_ref().map(|e| {
        json!({
            "eid": e.eid, "eumId": e.eum_id, "smsrId": e.smsr_id,
            "remainingMemory": e.remaining_memory,
            "profiles": e.profiles.iter().map(|p| json!({
                "iccid": p.iccid, "isdPAid": p.isdp_aid, "mnoId": p.mno_id,
                "state": format!("{:?}", p.state), "fallbackAttribute": p.fallback_attribute,
                "msisdn": p.subscription_address.as_ref().and_then(|a| a.msisdn.clone()),
            })).collect::<Vec<_>>(),
        })
    });
    Ok(json!({
        "relatesTo": env.header.relates_to,
        "status": r.status.status.as_str(),
        "statusCodeData": codes,
        "eis": eis,
    }))
}
