//! What comes back from eUICCs (SGP.02 §2.4, ES5): SMS (PoRs matched with their operations,
//! default notifications applied to the EIS and confirmed) and the scripts of HTTPS admin
//! sessions with their response scripts.

use super::*;

impl<S: SmsrStore> SmsrService<S> {
    /// An SMS from an eUICC (`user_data` reassembled: UDH and the packet): a PoR (UDH IEI
    /// `71`) ends the operation it answers; a command packet (IEI `70`) carries a default
    /// notification, applied to the EIS and confirmed.
    pub async fn receive_sms(
        &self,
        from_msisdn: &str,
        user_data: &[u8],
        now: i64,
    ) -> Result<Incoming, SmsrError> {
        let eid = self
            .store
            .eid_by_msisdn(from_msisdn)
            .await
            .map_err(db)?
            .ok_or(SmsrError::UnknownEid)?;
        let keys = self.store.keys(&eid).await.map_err(db)?;
        let keys = keys.ok_or(SmsrError::UnknownEid)?;
        if let Ok(packet) = rsp_ota::sms::unwrap_response(user_data) {
            return self.receive_por(&eid, &keys, packet, now).await;
        }
        if let Ok(packet) = rsp_ota::sms::unwrap_command(user_data) {
            return self.receive_notification(&eid, &keys, packet, now).await;
        }
        Err(SmsrError::Invalid(
            "SMS is neither a PoR nor a command packet",
        ))
    }

    async fn receive_por(
        &self,
        eid: &str,
        keys: &EuiccKeys,
        packet: &[u8],
        now: i64,
    ) -> Result<Incoming, SmsrError> {
        let por = es5::open_por(keys, packet)?;
        let Some(op) = self
            .store
            .sent_by_counter(eid, por.counter)
            .await
            .map_err(db)?
        else {
            return Ok(Incoming::LatePor);
        };
        if op.transport == Transport::Https {
            // The push's own PoR: the script result comes over HTTPS.
            if let Err(e) = es5::check_responses(&por.responses) {
                self.fail(&op, &e, now).await?;
                return Ok(Incoming::LatePor);
            }
            return Ok(Incoming::PushAcknowledged(op.id));
        }
        self.finish(eid, op, &por.responses, now).await
    }

    /// Applies the eUICC's response script to the operation it answers and ends it
    /// (retrying EIS write races); `LatePor` when it had ended meanwhile.
    async fn finish(
        &self,
        eid: &str,
        op: Operation,
        responses: &rsp_ota::ResponseScript,
        now: i64,
    ) -> Result<Incoming, SmsrError> {
        // The response script as TS 102 226 §5.2.2 codes it (R-APDU boundaries kept: the
        // SM-DP reads each answer of its SendData script).
        let response = responses
            .encode(rsp_ota::RemoteFormat::Expanded)
            .ok()
            .map(hex::encode_upper);
        for _ in 0..self.config.write_retries {
            let stored = self.store.eis(eid).await.map_err(db)?;
            let stored = stored.ok_or(SmsrError::UnknownEid)?;
            let mut eis = stored.eis.clone();
            let before = stored.eis.clone();
            let (outcome, eis_change) = match es5::apply(
                &mut eis,
                &op.function,
                &op.requester,
                responses,
                &rfc3339(now),
            ) {
                Ok(()) => (
                    Outcome {
                        success: true,
                        status_code_data: None,
                        response: response.clone(),
                    },
                    Some((&eis, stored.version)),
                ),
                Err(e) => (
                    Outcome {
                        success: false,
                        status_code_data: Some(e.status_code_data()),
                        response: response.clone(),
                    },
                    None,
                ),
            };
            let mut notices: Vec<Addressed> = ended(&op, &outcome).into_iter().collect();
            if let Some((after, _)) = eis_change {
                notices.extend(notice::profile_changes(
                    &before,
                    after,
                    Some(&op.requester),
                    now,
                ));
            }
            if self
                .store
                .complete(op.id, &outcome, eis_change, &notices, now)
                .await
                .map_err(db)?
            {
                let done = self.store.operation(op.id).await.map_err(db)?;
                return done
                    .map(|o| Incoming::Por(Box::new(o)))
                    .ok_or(SmsrError::Busy);
            }
            // Ended meanwhile (a duplicate PoR) or the EIS moved: look again.
            let again = self.store.operation(op.id).await.map_err(db)?;
            if again.is_none_or(|o| o.status.is_final()) {
                return Ok(Incoming::LatePor);
            }
        }
        Err(SmsrError::Busy)
    }

    /// One step of an SCP81 admin session (GP Amendment B) with the eUICC whose PSK
    /// identity is `identity`: `answered` is the operation whose script the agent ran
    /// and its response script (expanded format), `None` on the session's first POST.
    /// Returns the next operation's script, or `None` to end the session.
    pub async fn admin_step(
        &self,
        identity: &str,
        answered: Option<(i64, &[u8])>,
        now: i64,
    ) -> Result<Option<AdminScript>, SmsrError> {
        let eid = self
            .store
            .eid_by_psk_identity(identity)
            .await
            .map_err(db)?
            .ok_or(SmsrError::UnknownEid)?;
        if let Some((id, script)) = answered {
            let op = self.store.operation(id).await.map_err(db)?;
            if let Some(op) = op.filter(|o| o.eid == eid && !o.status.is_final()) {
                match rsp_ota::ResponseScript::decode(script, rsp_ota::RemoteFormat::Expanded) {
                    Ok(responses) => {
                        self.finish(&eid, op, &responses, now).await?;
                    }
                    Err(e) => {
                        let e = SmsrError::Security(format!("response script: {e}"));
                        self.fail(&op, &e, now).await?;
                    }
                }
            }
        }
        let Some(next) = self.store.oldest_unfinished(&eid).await.map_err(db)? else {
            return Ok(None);
        };
        if next.transport != Transport::Https || now >= next.expires_at {
            return Ok(None);
        }
        let stored = self.store.eis(&eid).await.map_err(db)?;
        let eis = stored.ok_or(SmsrError::UnknownEid)?.eis;
        let script = es5::encode_script(&es5::script(&eis, &next.function)?)?;
        Ok(Some(AdminScript {
            operation: next.id,
            script,
            target: es5::target_aid(&eis, &next.function)?.map(|a| a.as_bytes().to_vec()),
        }))
    }

    async fn receive_notification(
        &self,
        eid: &str,
        keys: &EuiccKeys,
        packet: &[u8],
        now: i64,
    ) -> Result<Incoming, SmsrError> {
        let header = es5::mo_header(packet)?;
        let mo = es5::open_notification(keys, &header)?;
        if mo.eid != eid {
            return Err(SmsrError::Security(
                "notification EID differs from the sender's eUICC".into(),
            ));
        }
        if !self
            .store
            .accept_mo_counter(eid, mo.counter)
            .await
            .map_err(db)?
        {
            return Err(SmsrError::Security("MO counter not higher (replay)".into()));
        }
        let record = ReceivedNotification {
            eid: eid.to_owned(),
            sequence: mo.notification.sequence,
            kind: mo.notification.kind.code(),
            isd_p_aid: mo.notification.aid.as_ref().map(|a| a.to_hex()),
        };
        let new = self
            .store
            .record_notification(&record, now)
            .await
            .map_err(db)?;
        if new {
            let mut applied = false;
            for _ in 0..self.config.write_retries {
                let stored = self.store.eis(eid).await.map_err(db)?;
                let stored = stored.ok_or(SmsrError::UnknownEid)?;
                let mut eis = stored.eis.clone();
                es5::apply_notification(&mut eis, &mo.notification)?;
                let notices = notice::profile_changes(&stored.eis, &eis, None, now);
                if self
                    .store
                    .update_eis(&eis, stored.version, &notices, now)
                    .await
                    .map_err(db)?
                {
                    applied = true;
                    break;
                }
            }
            if !applied {
                return Err(SmsrError::Busy);
            }
        }
        // Confirm (again, for a repeated one: the eUICC repeats until confirmed).
        self.store
            .queue(&NewOperation {
                eid: eid.to_owned(),
                function: Function::ConfirmNotification {
                    sequence: mo.notification.sequence,
                },
                requester: Requester::SmSr,
                transport: Transport::Sms,
                message_id: None,
                reply_to: None,
                now,
                validity: self.config.default_validity,
            })
            .await
            .map_err(db)?;
        Ok(Incoming::Notification {
            eid: eid.to_owned(),
            new,
        })
    }
}
