//! The enabled Profile served as a UICC (ETSI TS 102 221, 3GPP TS 31.102 / 31.103):
//! the file system built from its Profile Package ([`fs`]), SELECT ([`select`]) with
//! the FCP ([`fcp`]), binary and record access ([`io`]) under the access rules of
//! EF.ARR ([`arr`]), PINs ([`pin`]) and AUTHENTICATE ([`auth`], [`milenage`],
//! [`tuak`]).
//!
//! [`Uicc`] handles one command for one logical channel's [`Cursor`]; the
//! [`crate::Card`] routes every command that is not for the ISD-R here. What changes
//! (PIN values and counters, the SQN array, updated EF contents) is kept in
//! [`UiccState`], persisted with the Profile in the eUICC state file.

pub mod arr;
pub mod auth;
pub mod fcp;
pub mod fs;
pub mod io;
pub mod milenage;
pub mod pin;
pub mod select;
pub mod sw;
pub mod tuak;

use std::collections::{BTreeMap, BTreeSet};

use rsp_saip::ProfilePackage;
use serde::{Deserialize, Serialize};

use crate::state::{HexBytes, Profile};
use auth::Aka;
use fs::{FileSystem, NodeId};
pub use select::Cursor;

/// RID + application code of the USIM (ETSI TS 101 220 Annex E).
pub const USIM_AID_PREFIX: [u8; 7] = [0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02];

/// What the UICC of one Profile keeps across power cycles.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct UiccState {
    /// PINs and PUKs with their retry counters.
    pub pins: pin::PinTable,
    /// The SQN array of TS 33.102 Annex C (32 entries), once AUTHENTICATE ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sqn: Vec<u64>,
    /// EF contents changed with UPDATE BINARY / RECORD, by path (`3F00/2F05`, or the
    /// ADF's AID then FIDs).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, HexBytes>,
}

/// Why a Profile cannot be served as a UICC.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UiccError {
    #[error(transparent)]
    Fs(#[from] fs::FsError),
}

/// One command for the UICC (the [`crate::apdu`] layer parses it).
#[derive(Debug, Clone, Copy)]
pub struct Command<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: &'a [u8],
    /// Ne (0 when no Le; 256 for Le `00`).
    pub ne: usize,
}

/// The answer to one command.
#[derive(Debug, Default)]
pub struct Reply {
    pub data: Vec<u8>,
    pub sw: u16,
    /// The persistent [`UiccState`] changed and should be saved.
    pub changed: bool,
}

impl Reply {
    fn ok(data: Vec<u8>) -> Self {
        Reply {
            data,
            sw: sw::OK,
            changed: false,
        }
    }
}

/// The UICC of the enabled Profile.
#[derive(Debug)]
pub struct Uicc {
    isdp_aid: Vec<u8>,
    fs: FileSystem,
    aka: Option<Aka>,
    state: UiccState,
    /// Key references verified since the last reset (volatile, §9.5.1).
    verified: BTreeSet<u8>,
}

impl Uicc {
    /// The UICC of `profile`: its package's file system with the persisted changes.
    pub fn from_profile(profile: &Profile) -> Result<Self, UiccError> {
        let package = &profile.package.0;
        let mut fs = FileSystem::from_package(package)?;
        let pkg =
            ProfilePackage::decode(package).map_err(|e| fs::FsError::Package(e.to_string()))?;
        let aka = Aka::from_package(&pkg).ok();
        let state = match &profile.uicc {
            Some(s) => s.clone(),
            None => UiccState {
                pins: pin::PinTable::from_package(&pkg),
                sqn: Vec::new(),
                files: BTreeMap::new(),
            },
        };
        fs.restore(&state.files);
        Ok(Uicc {
            isdp_aid: profile.isdp_aid.0.clone(),
            fs,
            aka,
            state,
            verified: BTreeSet::new(),
        })
    }

    /// ISD-P AID of the Profile served.
    pub fn isdp_aid(&self) -> &[u8] {
        &self.isdp_aid
    }

    /// The persistent part.
    pub fn state(&self) -> &UiccState {
        &self.state
    }

    /// The file system.
    pub fn file_system(&self) -> &FileSystem {
        &self.fs
    }

    /// Card reset: verification status lost.
    pub fn reset(&mut self) {
        self.verified.clear();
    }

    /// Content of the EF at `path` (FIDs from the MF, e.g. `[0x2F, 0xE2]`; an ADF's
    /// files as `7FFF…` are not reachable here: use [`Self::read_adf_file`]).
    pub fn read_file(&self, path: &[u8]) -> Option<&[u8]> {
        let id = self.fs.resolve_path(fs::MF, path)?;
        self.fs.node(id).map(|n| n.data.as_slice())
    }

    /// Content of the EF `fid` in the first ADF whose AID starts with `aid`.
    pub fn read_adf_file(&self, aid: &[u8], fid: [u8; 2]) -> Option<&[u8]> {
        let adf = self.fs.adf_by_aid(aid)?;
        let id = self.fs.child(adf, fid)?;
        self.fs.node(id).map(|n| n.data.as_slice())
    }

    /// ICCID from EF.ICCID (`2FE2`, swapped BCD, `F` padding dropped).
    pub fn iccid(&self) -> Option<String> {
        self.read_file(&[0x2F, 0xE2])
            .map(rsp_saip::bcd::decode_swapped)
            .filter(|s| !s.is_empty())
    }

    /// IMSI from EF.IMSI (`6F07`) of ADF.USIM (TS 31.102 §4.2.2).
    pub fn imsi(&self) -> Option<String> {
        self.read_adf_file(&USIM_AID_PREFIX, [0x6F, 0x07])
            .and_then(rsp_saip::bcd::Imsi::from_ef_imsi)
    }

    fn key_ok(&self, key_ref: u8) -> bool {
        self.state
            .pins
            .pins
            .iter()
            .any(|p| p.key_ref == key_ref && (!p.enabled || self.verified.contains(&key_ref)))
    }

    fn fcp_of(&self, id: NodeId) -> Vec<u8> {
        self.fs
            .node(id)
            .map(|n| fcp::fcp(n, &|r| self.state.pins.enabled(r)))
            .unwrap_or_default()
    }

    /// USIM service n°27 (GSM access) in EF.UST (`6F38`) of `adf` (TS 31.102 §4.2.8).
    fn gsm_access(&self, adf: NodeId) -> bool {
        self.fs
            .child(adf, [0x6F, 0x38])
            .and_then(|id| self.fs.node(id))
            .and_then(|n| n.data.get(3))
            .is_some_and(|b| b & 0x04 != 0)
    }

    /// Handles one command on the channel whose selection is `cur`.
    pub fn command(&mut self, cur: &mut Cursor, cmd: &Command<'_>) -> Reply {
        match self.dispatch(cur, cmd) {
            Ok(r) => r,
            Err(sw) => Reply {
                sw,
                ..Reply::default()
            },
        }
    }

    fn dispatch(&mut self, cur: &mut Cursor, cmd: &Command<'_>) -> Result<Reply, u16> {
        let verified = self.verified.clone();
        let pins = self.state.pins.clone();
        let key_ok = move |k: u8| {
            pins.pins
                .iter()
                .any(|p| p.key_ref == k && (!p.enabled || verified.contains(&k)))
        };
        let access = |fs: &FileSystem, id: NodeId, mode: u8| arr::permitted(fs, id, mode, &key_ok);
        match cmd.ins {
            0xA4 => {
                let id = select::select(&self.fs, cur, cmd.p1, cmd.p2, cmd.data)?;
                if cmd.p2 & 0x0C == 0x0C {
                    Ok(Reply::ok(Vec::new()))
                } else {
                    Ok(Reply::ok(self.fcp_of(id)))
                }
            }
            0xF2 => self.status(cur, cmd),
            0xB0 => {
                let (data, sw) = io::read_binary(&self.fs, cur, cmd.p1, cmd.p2, cmd.ne, &access)?;
                Ok(Reply {
                    data,
                    sw,
                    changed: false,
                })
            }
            0xB2 => io::read_record(&self.fs, cur, cmd.p1, cmd.p2, cmd.ne, &access).map(Reply::ok),
            0xA2 => {
                io::search_record(&self.fs, cur, cmd.p1, cmd.p2, cmd.data, &access).map(Reply::ok)
            }
            0xD6 | 0xDC => {
                if cmd.ins == 0xD6 {
                    io::update_binary(&mut self.fs, cur, cmd.p1, cmd.p2, cmd.data, &access)?;
                } else {
                    io::update_record(&mut self.fs, cur, cmd.p1, cmd.p2, cmd.data, &access)?;
                }
                if let Some(n) = cur.ef.and_then(|id| self.fs.node(id)) {
                    self.state
                        .files
                        .insert(n.key.clone(), HexBytes(n.data.clone()));
                }
                Ok(Reply {
                    changed: true,
                    ..Reply::ok(Vec::new())
                })
            }
            0x20 | 0x24 | 0x26 | 0x28 | 0x2C => {
                let out = pin::Pins {
                    table: &mut self.state.pins,
                    verified: &mut self.verified,
                }
                .run(cmd.ins, cmd.p1, cmd.p2, cmd.data);
                Ok(Reply {
                    data: Vec::new(),
                    sw: out.sw,
                    changed: out.changed,
                })
            }
            0x88 => self.authenticate(cur, cmd),
            // TERMINAL PROFILE, TERMINAL CAPABILITY: accepted, no proactive session.
            0x10 | 0xAA => Ok(Reply::ok(Vec::new())),
            _ => Err(sw::INS_NOT_SUPPORTED),
        }
    }

    /// STATUS (§11.1.2): P2 `00` FCP of the current DF, `01` the current
    /// application's DF name, `0C` nothing.
    fn status(&self, cur: &Cursor, cmd: &Command<'_>) -> Result<Reply, u16> {
        if cmd.p1 > 0x02 {
            return Err(sw::WRONG_P1P2);
        }
        match cmd.p2 {
            0x00 => Ok(Reply::ok(self.fcp_of(cur.df))),
            0x01 => {
                let aid = cur
                    .app
                    .and_then(|a| self.fs.node(a))
                    .and_then(|n| n.aid.clone())
                    .unwrap_or_default();
                let mut out = vec![0x84, aid.len() as u8];
                out.extend_from_slice(&aid);
                Ok(Reply::ok(out))
            }
            0x0C => Ok(Reply::ok(Vec::new())),
            _ => Err(sw::WRONG_P1P2),
        }
    }

    /// AUTHENTICATE (TS 31.102 §7.1.2): needs a selected ADF and PIN1 (key reference
    /// `01`) verified or disabled.
    fn authenticate(&mut self, cur: &Cursor, cmd: &Command<'_>) -> Result<Reply, u16> {
        if cmd.p1 != 0x00 {
            return Err(sw::WRONG_P1P2);
        }
        let adf = cur.app.ok_or(sw::CONDITIONS)?;
        if !self.key_ok(0x01) {
            return Err(sw::SECURITY);
        }
        let gsm = self.gsm_access(adf);
        let aka = self.aka.as_ref().ok_or(sw::CONDITIONS)?;
        let mut array = if self.state.sqn.is_empty() {
            aka.initial_array()
        } else {
            self.state.sqn.clone()
        };
        let data = auth::authenticate(aka, &mut array, cmd.p2, cmd.data, gsm)?;
        let changed = array != self.state.sqn;
        self.state.sqn = array;
        Ok(Reply {
            changed,
            ..Reply::ok(data)
        })
    }
}
