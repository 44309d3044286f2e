//! A fault proxy on ES3 (SM-DP → SM-SR, SGP.02 §5.5): it terminates the SM-DP's mutually
//! authenticated HTTPS with the test PKI's localhost certificate, forwards each SOAP request
//! to the real SM-SR with the SM-DP's own client certificate (`dp-tls`) and passes the answer
//! back. Once, while armed, it alters the first SendData whose script carries an SCP03t
//! Profile segment (a STORE DATA with an `86` TLV: after the key establishment and
//! INITIALIZE UPDATE): the last ciphertext byte of the first such segment is flipped.
//! Requests are read and rebuilt with `rsp_codec::ws` (the envelope, `Es3Message`), the
//! script with `rsp_ota` and the command with `rsp_codec::sgp02::es8`.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{StatusCode, header};
use rsp_codec::sgp02::es8::Es8Command;
use rsp_codec::ws::envelope;
use rsp_codec::ws::es3::{Es3Message, Es3Request};
use rsp_codec::ws::{Interface, Message, RequestBody};
use rsp_crypto::scp03::TAG_DATA;
use rsp_http::server::PeerCertificate;
use rsp_ota::{CommandScript, RemoteFormat};

use super::m2m::tls_client;

/// What the proxy altered, and what came back.
#[derive(Debug, Clone)]
pub struct Tampered {
    /// The position of the altered SendData among the functions forwarded.
    pub call: usize,
    /// The position of the altered C-APDU in its SendData script.
    pub command: usize,
    /// The SM-SR's answer to the altered SendData (its SOAP envelope).
    pub answer: String,
}

#[derive(Default)]
struct Seen {
    /// The ES3 functions forwarded, in order (their ES3 element names).
    functions: Vec<String>,
    /// A SendData was altered (its answer may still be on its way).
    altered: bool,
    tampered: Option<Tampered>,
}

struct Proxy {
    upstream: String,
    client: reqwest::Client,
    armed: AtomicBool,
    seen: Mutex<Seen>,
}

/// The running proxy; it stops when dropped.
pub struct Es3Tamper {
    /// Where the SM-DP reaches it (`--smsr ID=URL`).
    pub url: String,
    proxy: Arc<Proxy>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Es3Tamper {
    /// Starts (armed) on `rt` in front of the SM-SR's ES3 endpoint `upstream`, with the test
    /// PKI of `nist` (`dp-tls` as its server certificate and as the SM-DP's client
    /// certificate).
    pub fn start(rt: &tokio::runtime::Runtime, nist: &Path, upstream: String) -> Self {
        let proxy = Arc::new(Proxy {
            upstream,
            client: tls_client(nist, "dp-tls"),
            armed: AtomicBool::new(true),
            seen: Mutex::default(),
        });
        let tls = rsp_http::tls::server_config(&rsp_http::tls::TlsFiles {
            cert_chain: nist.join("dp-tls.pem"),
            key: nist.join("dp-tls.key.pem"),
            client_ca: vec![nist.join("ci.pem")],
        })
        .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = proxy.clone();
        let app = axum::Router::new().route(
            "/gsma/sgp02/es3",
            axum::routing::post(move |request: axum::extract::Request| {
                let state = state.clone();
                async move { state.forward(request).await }
            }),
        );
        rt.spawn(async move {
            let _ = rsp_http::server::serve_tls(listener, tls, app, async {
                let _ = stopped.await;
            })
            .await;
        });
        Es3Tamper {
            url: format!("https://localhost:{port}/gsma/sgp02/es3"),
            proxy,
            _stop: stop,
        }
    }

    /// Whether the next SendData carrying a segment is altered (unless one already was).
    pub fn arm(&self, armed: bool) {
        self.proxy.armed.store(armed, Ordering::SeqCst);
    }

    /// The ES3 functions forwarded so far, in order (`CreateISDP`, `SendData`, `DeleteISDP`…).
    pub fn functions(&self) -> Vec<String> {
        self.proxy.seen.lock().unwrap().functions.clone()
    }

    /// The SendData altered, once it has been answered.
    pub fn tampered(&self) -> Option<Tampered> {
        self.proxy.seen.lock().unwrap().tampered.clone()
    }
}

impl Proxy {
    async fn forward(
        &self,
        request: axum::extract::Request,
    ) -> (StatusCode, [(header::HeaderName, String); 1], String) {
        let answer = |status: StatusCode, body: String| {
            (
                status,
                [(
                    header::CONTENT_TYPE,
                    "application/soap+xml; charset=utf-8".to_owned(),
                )],
                body,
            )
        };
        // The SM-DP authenticates as on the real ES3 endpoint.
        if request.extensions().get::<PeerCertificate>().is_none() {
            return answer(StatusCode::FORBIDDEN, String::new());
        }
        let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8(bytes.to_vec()).unwrap();
        let request = Es3Message::from_envelope(&envelope::parse(&body).unwrap()).unwrap();
        let Message::Request(request) = request else {
            panic!("the SM-DP sent a non-request on ES3: {body}");
        };
        let function = request.body.function().element(Interface::Es3).to_owned();
        let (call, altered) = {
            let mut seen = self.seen.lock().unwrap();
            let altered = if self.armed.load(Ordering::SeqCst) && !seen.altered {
                tamper(&body)
            } else {
                None
            };
            seen.altered |= altered.is_some();
            seen.functions.push(function);
            (seen.functions.len() - 1, altered)
        };
        let (command, body) = match altered {
            Some((command, altered)) => (Some(command), altered),
            None => (None, body),
        };
        let r = self
            .client
            .post(&self.upstream)
            .header("content-type", "application/soap+xml; charset=utf-8")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = StatusCode::from_u16(r.status().as_u16()).unwrap();
        let text = r.text().await.unwrap();
        if let Some(command) = command {
            self.seen.lock().unwrap().tampered = Some(Tampered {
                call,
                command,
                answer: text.clone(),
            });
        }
        answer(status, text)
    }
}

/// The SOAP envelope `body` with one ciphertext byte of its first SCP03t segment flipped,
/// and the segment's position in the script; `None` when `body` is no SendData carrying one.
fn tamper(body: &str) -> Option<(usize, String)> {
    let env = envelope::parse(body).ok()?;
    let Ok(Message::Request(mut request)) = Es3Message::from_envelope(&env) else {
        return None;
    };
    let Es3Request::SendData { data, .. } = &mut request.body else {
        return None;
    };
    let mut script = CommandScript::decode(data, RemoteFormat::Expanded).ok()?;
    let (i, mut segment) =
        script
            .apdus
            .iter()
            .enumerate()
            .find_map(|(i, apdu)| match Es8Command::parse(apdu) {
                Ok(Es8Command::Scp03t(c)) if c.tag() == Some(TAG_DATA) => Some((i, c)),
                _ => None,
            })?;
    // `86` L (ciphertext ‖ 8-byte C-MAC): the last ciphertext byte.
    let at = segment.tlv.len() - 9;
    segment.tlv[at] ^= 0x40;
    script.apdus[i] = segment.to_apdu().unwrap();
    *data = script.encode().unwrap();
    let msg: Es3Message = Message::Request(request);
    Some((i, envelope::build(&msg.envelope(env.header))))
}
