//! The SM-SR change (SGP.02 §3.7) over the store: the ES4 requests that open it, the ES7
//! messages that move it ([`crate::es7`] decides, this module reads and writes), and the
//! steps the transport's driver takes on its own (send HandoverEUICC, establish the
//! keyset, send HandoverEUICCResponse, release the eUICC).

use crate::error::SmsrError;
use crate::es7::{Es7Call, Side, SmsrChange};
use crate::keys::Scp80Keyset;
use crate::model::Eis;
use crate::notice::{self, Addressed};
use crate::operation::{Function, NewOperation, Operation, Requester, Transport};
use crate::service::SmsrService;
use crate::store::{SmsrStore, StoreError};

fn db(e: StoreError) -> SmsrError {
    SmsrError::Store(e.to_string())
}

impl<S: SmsrStore> SmsrService<S> {
    /// Refuses ES3/ES4 functions on an eUICC in an SM-SR change that makes its EIS
    /// unusable here: not yet arrived (new side, [`SmsrError::UnknownEid`]) or being handed
    /// over (current side, [`SmsrError::Busy`]).
    pub async fn check_usable(&self, eid: &str) -> Result<(), SmsrError> {
        let store = self.store();
        if let Some(c) = store.change(eid, Side::New).await.map_err(db)?
            && !c.stage.is_final()
            && !c.eis_usable()
        {
            return Err(SmsrError::UnknownEid);
        }
        if let Some(c) = store.change(eid, Side::Current).await.map_err(db)?
            && !c.eis_usable()
        {
            return Err(SmsrError::Busy);
        }
        Ok(())
    }

    /// The change of `eid` on `side`.
    pub async fn change(&self, eid: &str, side: Side) -> Result<Option<SmsrChange>, SmsrError> {
        self.store().change(eid, side).await.map_err(db)
    }

    /// ES4 PrepareSMSRChange (on the new SM-SR).
    pub async fn prepare_change(
        &self,
        requester: &Requester,
        eid: &str,
        current_smsr: &str,
        validity: Option<i64>,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        let Requester::Operator(operator) = requester else {
            return Err(SmsrError::NotAllowed(
                "an SM-SR change is an Operator's request",
            ));
        };
        let known = self.store().eis(eid).await.map_err(db)?.is_some();
        let change = SmsrChange::prepare(
            eid,
            current_smsr,
            operator,
            &self.config().smsr_id,
            known,
            now,
            validity.unwrap_or(self.config().default_validity),
        )?;
        self.open(&change, now).await?;
        Ok(change)
    }

    /// ES4 SMSRChange (on the current SM-SR).
    pub async fn request_change(
        &self,
        requester: &Requester,
        eid: &str,
        target_smsr: &str,
        validity: Option<i64>,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        let stored = self.store().eis(eid).await.map_err(db)?;
        let stored = stored.ok_or(SmsrError::UnknownEid)?;
        let change = SmsrChange::request(
            &stored.eis,
            requester,
            target_smsr,
            &self.config().smsr_id,
            now,
            validity.unwrap_or(self.config().default_validity),
        )?;
        self.open(&change, now).await?;
        Ok(change)
    }

    async fn open(&self, change: &SmsrChange, now: i64) -> Result<(), SmsrError> {
        match self.store().open_change(change, now).await {
            Ok(()) => Ok(()),
            Err(StoreError::Duplicate) => Err(SmsrError::Busy),
            Err(e) => Err(db(e)),
        }
    }

    /// Writes `next` if the stored change is still at `from`'s stage.
    async fn step(
        &self,
        from: &SmsrChange,
        next: SmsrChange,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        if self
            .store()
            .move_change(&next, from.stage.name(), now)
            .await
            .map_err(db)?
        {
            Ok(next)
        } else {
            Err(SmsrError::Busy)
        }
    }

    async fn admitted(
        &self,
        caller: &str,
        eid: &str,
        side: Side,
        call: Es7Call,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        let change = self.change(eid, side).await?;
        let change = change.ok_or(SmsrError::NotAllowed(
            "no SM-SR change with this SM-SR for this eUICC",
        ))?;
        change.admit(caller, eid, call, now)?;
        Ok(change)
    }

    /// ES7 HandoverEUICC `message_id` from SM-SR `caller` (new side): the EIS is stored,
    /// without keys and not usable until the change completes; SM-SR1 wants the answer at
    /// `reply_to`.
    pub async fn receive_handover(
        &self,
        caller: &str,
        mut eis: Eis,
        reply_to: &str,
        message_id: &str,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        let eid = eis.eid.to_string();
        let change = self
            .admitted(caller, &eid, Side::New, Es7Call::HandoverEuicc, now)
            .await?;
        eis.check().map_err(SmsrError::Invalid)?;
        eis.smsr_id.clone_from(&self.config().smsr_id);
        let next = change.clone().handover_received(reply_to, message_id)?;
        match self
            .store()
            .register(&eis, &crate::keys::EuiccKeys::default(), now)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Duplicate) => return Err(SmsrError::EidInUse),
            Err(e) => return Err(db(e)),
        }
        self.step(&change, next, now).await
    }

    /// ES7 AuthenticateSMSR / CreateAdditionalKeySet from SM-SR `caller` (current side):
    /// the ISD-R C-APDU (`Es7Request::isd_r_apdu`) becomes an ES5 operation over SMS.
    pub async fn relay_key_establishment(
        &self,
        caller: &str,
        eid: &str,
        step: &str,
        apdu: &[u8],
        now: i64,
    ) -> Result<Operation, SmsrError> {
        let change = self
            .admitted(caller, eid, Side::Current, Es7Call::KeyEstablishment, now)
            .await?;
        self.store()
            .queue(&NewOperation {
                eid: eid.to_owned(),
                function: Function::IsdRKeyEstablishment {
                    step: step.to_owned(),
                    apdus: vec![hex::encode_upper(apdu)],
                },
                requester: Requester::SmSr,
                transport: Transport::Sms,
                message_id: None,
                reply_to: None,
                now,
                validity: (change.expires_at - now).max(1),
            })
            .await
            .map_err(db)
    }

    /// Current side: HandoverEUICC (`message_id`) was delivered.
    pub async fn handover_sent(
        &self,
        change: &SmsrChange,
        message_id: &str,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        let next = change.clone().handover_sent(message_id)?;
        self.step(change, next, now).await
    }

    /// New side: the keyset is established; it replaces any keys held (there are none) and
    /// the next SCP80 counter follows `initial_counter`.
    pub async fn keyset_established(
        &self,
        change: &SmsrChange,
        keyset: Scp80Keyset,
        initial_counter: u64,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        let version = keyset.version;
        let next = change.clone().keyset_established(version)?;
        self.store()
            .install_keys(&change.eid, &crate::es7::new_keys(keyset), initial_counter)
            .await
            .map_err(db)?;
        self.step(change, next, now).await
    }

    /// New side: HandoverEUICCResponse was delivered.
    pub async fn response_sent(
        &self,
        change: &SmsrChange,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        let next = change.clone().response_sent()?;
        self.step(change, next, now).await
    }

    /// ES7 HandoverEUICCResponse from SM-SR `caller` (current side), relating to the
    /// HandoverEUICC `relates_to`.
    pub async fn handover_answered(
        &self,
        caller: &str,
        eid: &str,
        relates_to: Option<&str>,
        success: bool,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        let change = self
            .admitted(caller, eid, Side::Current, Es7Call::HandoverResponse, now)
            .await?;
        let keys = self.store().keys(eid).await.map_err(db)?;
        let keys = keys.ok_or(SmsrError::UnknownEid)?;
        let next = change
            .clone()
            .handover_answered(relates_to, success, &keys)?;
        self.step(&change, next, now).await
    }

    /// Current side, releasing: queues the DELETE of its old ISD-R keysets on the card
    /// (ES5 over SMS, with those keys: the card secures the PoR with the keys the packet
    /// came under).
    pub async fn queue_key_deletion(
        &self,
        change: &SmsrChange,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        let crate::es7::Stage::Releasing {
            old_key_versions, ..
        } = &change.stage
        else {
            return Err(SmsrError::NotAllowed(
                "the SM-SR change is not at this step",
            ));
        };
        let op = self
            .store()
            .queue(&NewOperation {
                eid: change.eid.clone(),
                function: Function::DeleteKeysets {
                    versions: old_key_versions.clone(),
                },
                requester: Requester::SmSr,
                transport: Transport::Sms,
                message_id: None,
                reply_to: None,
                now,
                validity: self.config().default_validity,
            })
            .await
            .map_err(db)?;
        let next = change.clone().deletion_queued(op.id)?;
        self.step(change, next, now).await
    }

    /// Current side, releasing: the EIS the notification to the new SM-SR carries.
    pub async fn released_eis(&self, eid: &str) -> Result<Eis, SmsrError> {
        let stored = self.store().eis(eid).await.map_err(db)?;
        Ok(stored.ok_or(SmsrError::UnknownEid)?.eis)
    }

    /// Current side: the new SM-SR has the notification; the eUICC is forgotten here.
    pub async fn release(&self, change: &SmsrChange, now: i64) -> Result<SmsrChange, SmsrError> {
        let next = change.clone().completed()?;
        self.store()
            .remove_euicc(&change.eid, &[], now)
            .await
            .map_err(db)?;
        self.step(change, next, now).await
    }

    /// ES7 HandleSMSRChangeNotification from SM-SR `caller` (new side): the change
    /// completes, the Operators with a Profile on the eUICC are notified (ES4) and, when
    /// this SM-SR has an address configured, UpdateSMSRAddressingParameters is queued for
    /// the ISD-R. A repeated notification of a completed change is accepted again (nothing
    /// queued twice).
    pub async fn change_notified(
        &self,
        caller: &str,
        eid: &str,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        if let Some(c) = self.change(eid, Side::New).await?
            && c.stage == crate::es7::Stage::Completed
            && c.peer == caller
        {
            return Ok(c);
        }
        let change = self
            .admitted(caller, eid, Side::New, Es7Call::ChangeNotification, now)
            .await?;
        let next = change.clone().completed()?;
        let stored = self.store().eis(eid).await.map_err(db)?;
        let stored = stored.ok_or(SmsrError::UnknownEid)?;
        let notices: Vec<Addressed> = notice::smsr_changed(&stored.eis, now);
        // Our reading of SGP.02 §3.7.1 with §4.1.1.x UpdateSMSRAddressingParameters: once
        // the new SM-SR holds the ISD-R's only keyset (SM-SR1 deleted its own before
        // notifying), it points the eUICC's SM-SR addressing at itself, over ES5 under
        // that keyset, so that the eUICC's MO packets and default notifications come here
        // and not to the SM-SR that forgot it. Queued with the stage change and the
        // notices (a crash loses none of them), before any ES3/ES4 function can be (the
        // EIS is unusable until then).
        let address = self.config().address.as_ref().map(|a| NewOperation {
            eid: eid.to_owned(),
            function: a.update(),
            requester: Requester::SmSr,
            transport: Transport::Sms,
            message_id: None,
            reply_to: None,
            now,
            validity: self.config().default_validity,
        });
        if !self
            .store()
            .move_change_queueing(
                &next,
                change.stage.name(),
                address.as_slice(),
                &notices,
                now,
            )
            .await
            .map_err(db)?
        {
            return Err(SmsrError::Busy);
        }
        Ok(next)
    }

    /// Ends a change that cannot go on (`reason` is logged and kept with it).
    pub async fn change_failed(
        &self,
        change: &SmsrChange,
        reason: &str,
        now: i64,
    ) -> Result<SmsrChange, SmsrError> {
        let next = change.clone().failed(reason)?;
        let done = self.step(change, next, now).await?;
        // The new side forgets the EIS it received (it never became usable here).
        if change.side == Side::New
            && matches!(
                change.stage,
                crate::es7::Stage::HandedOver { .. } | crate::es7::Stage::KeysetEstablished { .. }
            )
        {
            self.store()
                .remove_euicc(&change.eid, &[], now)
                .await
                .map_err(db)?;
        }
        Ok(done)
    }

    /// Changes whose next step is this SM-SR's.
    pub async fn changes_to_drive(&self, limit: i64) -> Result<Vec<SmsrChange>, SmsrError> {
        self.store().changes_to_drive(limit).await.map_err(db)
    }
}
