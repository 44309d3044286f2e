//! Walking a Bound Profile Package that arrives in segments (SGP.22 §2.5.5, §5.7.6):
//! `BF36` header + `BF23`, then `A0` + `87`s (ConfigureISDP), `A1` + `88`s
//! (StoreMetadata), optional `A2` + `87`s (ReplaceSessionKeys), `A3` + `86`s (profile
//! elements). A segment may hold any run of whole headers and whole member TLVs (one
//! STORE DATA sequence per item, several, or the whole BPP). Each member is opened with
//! SCP03t as it arrives (SGP.22 §2.5.3); nothing is installed before the end.

use rsp_codec::asn1::{
    self, BppCommandId, ConfigureISDPRequest, ErrorReason, InitialiseSecureChannelRequest, Raw,
    RemoteOpId, ReplaceSessionKeysRequest, RulesAuthorisationTable, StoreMetadataRequest,
    signed_part_of_initialise_secure_channel,
};
use rsp_crypto::kdf::{ControlReferenceTemplate, SessionKeys, derive_session_keys};
use rsp_crypto::scp03t::{Scp03t, encode_tlv};
use rsp_crypto::{CryptoError, KeyAgreement, PublicKey, SoftwareKey};

use crate::download::PreparedSession;
use rsp_codec::tlv::{self, Header};

/// Why loading stopped: the `ErrorResult` of the ProfileInstallationResult (SGP.22 §5.7.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub command: BppCommandId,
    pub reason: ErrorReason,
}

/// What the eUICC has room for, captured when the BPP starts.
#[derive(Clone, Debug)]
pub(crate) struct Capacity {
    /// An ISD-P AID is free and the profile count is below the limit.
    pub isdp_aid: Option<Vec<u8>>,
    /// Free non-volatile memory, in bytes.
    pub bytes_free: usize,
    /// What the new ISD-P takes beyond the package bytes.
    pub isdp_overhead: usize,
    /// ICCIDs already installed.
    pub iccids: Vec<Vec<u8>>,
    /// The Rules Authorisation Table.
    pub rat: RulesAuthorisationTable,
}

/// Everything received so far, ready to install once complete. No `Debug`: the package
/// holds the profile's network keys.
#[derive(Default)]
pub(crate) struct Received {
    pub configure_isdp: Vec<u8>,
    pub metadata_raw: Vec<u8>,
    pub metadata: Option<StoreMetadataRequest>,
    pub package: Vec<u8>,
    pub isdp_aid: Vec<u8>,
}

/// Progress after one segment.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    More,
    Complete,
}

/// An open `A0`..`A3` sequence (its plaintext may be the PPKs of ReplaceSessionKeys:
/// no `Debug`).
struct Group {
    tag: u8,
    left: usize,
    plain: Vec<u8>,
}

/// One BPP being loaded.
pub(crate) struct BppLoader {
    pub session: PreparedSession,
    eid: [u8; 16],
    capacity: Capacity,
    scp: Option<Scp03t>,
    bf36_left: usize,
    group: Option<Group>,
    /// Tag of the last completed group (0 before `A0`).
    last_group: u8,
    pub received: Received,
}

impl std::fmt::Debug for BppLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BppLoader")
            .field("bf36_left", &self.bf36_left)
            .field("last_group", &self.last_group)
            .finish_non_exhaustive()
    }
}

fn fail(command: BppCommandId, reason: ErrorReason) -> Failure {
    Failure { command, reason }
}

/// `ErrorResult` codes for SCP03t failures (SGP.22 §5.7.6): a bad MAC is a security
/// error, anything else about the segment a structure error.
fn scp_failure(command: BppCommandId, err: &CryptoError) -> Failure {
    match err {
        CryptoError::Mac => fail(command, ErrorReason::SCP03T_SECURITY_ERROR),
        _ => fail(command, ErrorReason::SCP03T_STRUCTURE_ERROR),
    }
}

fn command_of(group_tag: u8) -> BppCommandId {
    match group_tag {
        0xA0 => BppCommandId::CONFIGURE_ISDP,
        0xA1 => BppCommandId::STORE_METADATA,
        0xA2 => BppCommandId::REPLACE_SESSION_KEYS,
        _ => BppCommandId::LOAD_PROFILE_ELEMENTS,
    }
}

fn member_tag(group_tag: u8) -> u8 {
    match group_tag {
        0xA0 | 0xA2 => 0x87,
        0xA1 => 0x88,
        _ => 0x86,
    }
}

impl BppLoader {
    /// Starts with the first segment, which begins with the `BF36` header.
    pub fn start(
        session: PreparedSession,
        ot_key: SoftwareKey,
        eid: [u8; 16],
        capacity: Capacity,
        segment: &[u8],
    ) -> (Self, Result<Progress, Failure>) {
        let mut loader = BppLoader {
            session,
            eid,
            capacity,
            scp: None,
            bf36_left: 0,
            group: None,
            last_group: 0,
            received: Received::default(),
        };
        let result = loader.first(segment, &ot_key);
        (loader, result)
    }

    fn first(&mut self, segment: &[u8], ot_key: &SoftwareKey) -> Result<Progress, Failure> {
        let isc = BppCommandId::INITIALISE_SECURE_CHANNEL;
        let structure = fail(isc, ErrorReason::SCP03T_STRUCTURE_ERROR);
        let outer = tlv::header(segment).ok_or(structure)?;
        if outer.tag != 0xBF36 {
            return Err(structure);
        }
        let rest = segment.get(outer.header_len..).ok_or(structure)?;
        let (h, isc_tlv, rest) = tlv::split_first(rest).ok_or(structure)?;
        if h.tag != 0xBF23 || h.total_len() > outer.value_len {
            return Err(structure);
        }
        self.bf36_left = outer.value_len - h.total_len();
        self.initialise_secure_channel(isc_tlv, ot_key)?;
        self.feed(rest)
    }

    /// InitialiseSecureChannel (SGP.22 §5.5.1, §3.1.3.3): checks, `smdpSign`, ECKA, KDF.
    fn initialise_secure_channel(
        &mut self,
        tlv: &[u8],
        ot_key: &SoftwareKey,
    ) -> Result<(), Failure> {
        let cmd = BppCommandId::INITIALISE_SECURE_CHANNEL;
        let raw = Raw::<InitialiseSecureChannelRequest>::from_der(tlv)
            .map_err(|_| fail(cmd, ErrorReason::INCORRECT_INPUT_VALUES))?;
        let req = raw.value();
        if req.remote_op_id != RemoteOpId::INSTALL_BOUND_PROFILE_PACKAGE {
            return Err(fail(cmd, ErrorReason::UNSUPPORTED_REMOTE_OPERATION_TYPE));
        }
        if req.transaction_id != self.session.auth.transaction_id {
            return Err(fail(cmd, ErrorReason::INVALID_TRANSACTION_ID));
        }
        let crt = &req.control_ref_template;
        let crt = ControlReferenceTemplate {
            key_type: crt.key_type.as_bytes()[0],
            key_length: crt.key_len.as_bytes()[0],
            host_id: &crt.host_id.0,
        };
        if crt.key_type != rsp_crypto::kdf::KEY_TYPE_AES
            || crt.key_length != rsp_crypto::kdf::KEY_LENGTH_AES128
        {
            return Err(fail(cmd, ErrorReason::UNSUPPORTED_CRT_VALUES));
        }
        // smdpSign covers the TLVs before it ‖ the 5F49 TLV of otPK.EUICC.ECKA.
        let mut msg = signed_part_of_initialise_secure_channel(&raw)
            .ok_or(fail(cmd, ErrorReason::INCORRECT_INPUT_VALUES))?
            .to_vec();
        let ot_public = KeyAgreement::public_key(ot_key);
        msg.extend_from_slice(&encode_tlv(&[0x5F, 0x49], ot_public.sec1_uncompressed()));
        self.session
            .dppb_key
            .verify_raw(&msg, &req.smdp_sign)
            .map_err(|_| fail(cmd, ErrorReason::INVALID_SIGNATURE))?;
        let dp_otpk = PublicKey::from_sec1(ot_public.curve(), &req.smdp_otpk)
            .map_err(|_| fail(cmd, ErrorReason::INCORRECT_INPUT_VALUES))?;
        let shs = ot_key
            .ecka(&dp_otpk)
            .map_err(|_| fail(cmd, ErrorReason::INCORRECT_INPUT_VALUES))?;
        let keys = derive_session_keys(&shs, &crt, &self.eid)
            .map_err(|_| fail(cmd, ErrorReason::UNSUPPORTED_CRT_VALUES))?;
        self.scp = Some(Scp03t::new(keys));
        Ok(())
    }

    /// Processes the headers and members of one segment (after InitialiseSecureChannel).
    pub fn feed(&mut self, mut input: &[u8]) -> Result<Progress, Failure> {
        while !input.is_empty() {
            let current = self
                .group
                .as_ref()
                .map_or(self.last_group.saturating_add(1).max(0xA0), |g| g.tag);
            let structure = fail(command_of(current), ErrorReason::SCP03T_STRUCTURE_ERROR);
            let h = tlv::header(input).ok_or(structure)?;
            let consumed = match (&self.group, h.tag) {
                (None, 0xA0..=0xA3) => self.open_group(h)?,
                (Some(g), tag) if tag == u16::from(member_tag(g.tag)) => {
                    let (_, member, _) = tlv::split_first(input).ok_or(structure)?;
                    self.member(member)?;
                    member.len()
                }
                _ => return Err(structure),
            };
            input = input.get(consumed..).unwrap_or_default();
        }
        if self.group.is_none() && self.last_group == 0xA3 {
            if self.bf36_left != 0 {
                return Err(fail(
                    BppCommandId::LOAD_PROFILE_ELEMENTS,
                    ErrorReason::SCP03T_STRUCTURE_ERROR,
                ));
            }
            return Ok(Progress::Complete);
        }
        Ok(Progress::More)
    }

    /// A sequence header: order A0, A1, [A2], A3 (SGP.22 §2.5.4).
    fn open_group(&mut self, h: Header) -> Result<usize, Failure> {
        // `h.tag` is A0..=A3 here.
        let tag = (h.tag & 0xFF) as u8;
        let expected = match self.last_group {
            0 => tag == 0xA0,
            0xA0 => tag == 0xA1,
            0xA1 => tag == 0xA2 || tag == 0xA3,
            0xA2 => tag == 0xA3,
            _ => false,
        };
        let structure = fail(command_of(tag), ErrorReason::SCP03T_STRUCTURE_ERROR);
        if !expected || h.total_len() > self.bf36_left {
            return Err(structure);
        }
        self.bf36_left -= h.total_len();
        self.group = Some(Group {
            tag,
            left: h.value_len,
            plain: Vec::new(),
        });
        if h.value_len == 0 {
            self.close_group()?;
        }
        Ok(h.header_len)
    }

    /// One protected member TLV of the open group.
    fn member(&mut self, member: &[u8]) -> Result<(), Failure> {
        let Some(group) = self.group.as_mut() else {
            return Err(fail(
                BppCommandId::LOAD_PROFILE_ELEMENTS,
                ErrorReason::SCP03T_STRUCTURE_ERROR,
            ));
        };
        let cmd = command_of(group.tag);
        if member.len() > group.left {
            return Err(fail(cmd, ErrorReason::SCP03T_STRUCTURE_ERROR));
        }
        let scp = self
            .scp
            .as_mut()
            .ok_or(fail(cmd, ErrorReason::SCP03T_STRUCTURE_ERROR))?;
        let (_, plain) = scp.unprotect(member).map_err(|e| scp_failure(cmd, &e))?;
        group.left -= member.len();
        if group.tag == 0xA3 {
            // The profile takes its package bytes plus the ISD-P overhead.
            let total = self
                .received
                .package
                .len()
                .saturating_add(plain.len())
                .saturating_add(self.capacity.isdp_overhead);
            if total > self.capacity.bytes_free {
                return Err(fail(
                    cmd,
                    ErrorReason::INSTALL_FAILED_DUE_TO_INSUFFICIENT_MEMORY_FOR_PROFILE,
                ));
            }
            self.received.package.extend_from_slice(&plain);
        } else {
            group.plain.extend_from_slice(&plain);
        }
        if group.left == 0 {
            self.close_group()?;
        }
        Ok(())
    }

    /// A group is complete: apply its command.
    fn close_group(&mut self) -> Result<(), Failure> {
        let Some(group) = self.group.take() else {
            return Ok(());
        };
        self.last_group = group.tag;
        let cmd = command_of(group.tag);
        let incorrect = fail(cmd, ErrorReason::INCORRECT_INPUT_VALUES);
        match group.tag {
            // ConfigureISDP (SGP.22 §5.5.2): create the ISD-P if there is room (a free
            // AID below the profile count limit, and memory for the ISD-P itself).
            0xA0 => {
                asn1::decode::<ConfigureISDPRequest>(&group.plain).map_err(|_| incorrect)?;
                let no_room = fail(
                    cmd,
                    ErrorReason::INSTALL_FAILED_DUE_TO_INSUFFICIENT_MEMORY_FOR_PROFILE,
                );
                if self.capacity.isdp_overhead > self.capacity.bytes_free {
                    return Err(no_room);
                }
                self.received.isdp_aid = self.capacity.isdp_aid.clone().ok_or(no_room)?;
                self.received.configure_isdp = group.plain;
            }
            // StoreMetadata (SGP.22 §5.5.3).
            0xA1 => {
                let metadata =
                    asn1::decode::<StoreMetadataRequest>(&group.plain).map_err(|_| incorrect)?;
                let iccid: &[u8] = metadata.iccid.as_bytes();
                if self.capacity.iccids.iter().any(|i| i == iccid) {
                    return Err(fail(
                        cmd,
                        ErrorReason::INSTALL_FAILED_DUE_TO_ICCID_ALREADY_EXISTS_ON_EUICC,
                    ));
                }
                if !crate::rat::pprs_allowed(&self.capacity.rat, &metadata) {
                    return Err(fail(cmd, ErrorReason::PPR_NOT_ALLOWED));
                }
                self.received.metadata = Some(metadata);
                self.received.metadata_raw = group.plain;
            }
            // ReplaceSessionKeys (SGP.22 §5.5.4): a new session, block counter back to 1.
            0xA2 => {
                let req = asn1::decode::<ReplaceSessionKeysRequest>(&group.plain)
                    .map_err(|_| incorrect)?;
                let key = |b: &[u8]| <[u8; 16]>::try_from(b).map_err(|_| incorrect);
                self.scp = Some(Scp03t::new(SessionKeys::from_parts(
                    key(&req.initial_mac_chaining_value)?,
                    key(&req.ppk_enc)?,
                    key(&req.ppk_cmac)?,
                )));
            }
            _ => {}
        }
        Ok(())
    }
}
