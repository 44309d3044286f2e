//! The eUICC side of SCP81 (GP Amendment B over TLS-PSK, SGP.02 §2.4.4): the push that
//! asks for an admin session (recorded by the ISD-R, see [`M2mEuicc::take_admin_session`]),
//! and the execution of the expanded remote APDU scripts (ETSI TS 102 226 §5.2) an HTTP
//! response carries, by the same domain code SCP80 uses. No SCP80 counter or keys here:
//! the TLS-PSK session is the security.

use rsp_ota::RemoteFormat;
use rsp_scp81::agent::ScriptExecutor;
use rsp_scp81::headers::ScriptStatus;

use crate::M2mEuicc;
use crate::domain::Domain;
use crate::error::M2mError;

/// What a script sent over SCP81 led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptOutcome {
    /// Executed (possibly stopping at a failing C-APDU): the expanded response script.
    Executed(Vec<u8>),
    /// No security domain with the targeted AID.
    UnknownApplication,
    /// Not an expanded script (`AA`/`AE` template): Amendment B carries expanded ones.
    FormatError,
}

impl M2mEuicc {
    /// The triggering parameters (`81` …) of the last push, if an admin session is asked
    /// for (cleared by this call, like [`M2mEuicc::take_refresh`]).
    pub fn take_admin_session(&mut self) -> Result<Option<Vec<u8>>, M2mError> {
        let r = self.state.admin_session.take();
        if r.is_some() {
            self.save()?;
        }
        Ok(r)
    }

    /// Runs an expanded remote APDU script (TS 102 226 §5.2) on the security domain
    /// `target_aid` (the ISD-R when `None`, as without `X-Admin-Targeted-Application`)
    /// and returns the expanded response script. The state is saved afterwards.
    pub fn execute_admin_script(
        &mut self,
        target_aid: Option<&[u8]>,
        script: &[u8],
    ) -> Result<ScriptOutcome, M2mError> {
        let domain = match target_aid {
            None => Domain::IsdR,
            Some(aid) => match Domain::by_aid(&self.state, aid) {
                Some(d) => d,
                None => return Ok(ScriptOutcome::UnknownApplication),
            },
        };
        if !matches!(script.first(), Some(0xAA | 0xAE)) {
            return Ok(ScriptOutcome::FormatError);
        }
        let (format, response) = crate::scp80::run_script(&mut self.state, &domain, script);
        self.save()?;
        let encoded = response
            .encode(format)
            .map_err(|_| M2mError::State("response script does not encode"))?;
        debug_assert_eq!(format, RemoteFormat::Expanded);
        Ok(ScriptOutcome::Executed(encoded))
    }
}

/// [`rsp_scp81::agent::ScriptExecutor`] over the card: scripts run on the domain the
/// server targets (empty AID: the ISD-R).
#[derive(Debug)]
pub struct CardExecutor<'a> {
    card: &'a mut M2mEuicc,
}

impl<'a> CardExecutor<'a> {
    /// An executor running scripts on `card`.
    pub fn new(card: &'a mut M2mEuicc) -> Self {
        CardExecutor { card }
    }
}

impl ScriptExecutor for CardExecutor<'_> {
    fn execute(&mut self, target_aid: &[u8], script: &[u8]) -> (ScriptStatus, Vec<u8>) {
        let target = (!target_aid.is_empty()).then_some(target_aid);
        match self.card.execute_admin_script(target, script) {
            Ok(ScriptOutcome::Executed(r)) => (ScriptStatus::Ok, r),
            Ok(ScriptOutcome::UnknownApplication) => (ScriptStatus::UnknownApplication, Vec::new()),
            Ok(ScriptOutcome::FormatError) => (ScriptStatus::ScriptFormatError, Vec::new()),
            Err(e) => {
                tracing::warn!(error = %e, "scp81: script execution failed");
                (ScriptStatus::TemporarilyUnavailableApplication, Vec::new())
            }
        }
    }
}
