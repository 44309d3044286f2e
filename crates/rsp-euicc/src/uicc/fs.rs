//! The file system of the enabled Profile (ETSI TS 102 221 §8), built from its Profile
//! Package: the file-system template PEs (TCA SAIP v3.3.1 §8.3, each file with the FCP
//! and `fillFileContent` the package gives, template FIDs and sizes from
//! [`rsp_saip::fs::names`] where it gives none) and `PE-GenericFileManagement` (§8.3.5).

use std::collections::BTreeMap;

use rsp_saip::ProfilePackage;
use rsp_saip::fs::names;
use rsp_saip::model::{Fcp, File, FileManagementItem, ProfileElement};

/// Index of a node in [`FileSystem::nodes`]; the MF is node 0.
pub type NodeId = usize;

/// EF structure (file descriptor byte, TS 102 221 §11.1.1.4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Structure {
    Transparent,
    LinearFixed,
    Cyclic,
    /// BER-TLV structured EF: selectable, not readable with READ BINARY.
    BerTlv,
}

/// A DF (MF, DF, ADF) or an EF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Df,
    Ef {
        structure: Structure,
        /// Record length (0 for transparent EFs).
        record_len: usize,
    },
}

/// One file.
#[derive(Clone, Debug)]
pub struct Node {
    pub fid: [u8; 2],
    /// DF name of an ADF (the application's AID).
    pub aid: Option<Vec<u8>>,
    pub kind: Kind,
    pub parent: Option<NodeId>,
    pub children: Vec<NodeId>,
    /// Short EF identifier (TS 102 221 §11.1.1.4.8).
    pub sfi: Option<u8>,
    /// Security attributes referenced (`8B`): EF.ARR FID and record number(s).
    pub arr: Option<Vec<u8>>,
    /// Life cycle status (`8A`).
    pub lcsi: u8,
    /// Key references of the PIN status template (`C6`) of a DF.
    pub pin_refs: Vec<u8>,
    /// Content: the bytes of a transparent EF, the records of a record EF one after the
    /// other (record 1 first).
    pub data: Vec<u8>,
    /// Persistence key: FIDs from the MF, or the ADF's AID, e.g. `3F00/2FE2`.
    pub key: String,
}

impl Node {
    pub fn is_df(&self) -> bool {
        self.kind == Kind::Df
    }

    pub fn is_adf(&self) -> bool {
        self.aid.is_some()
    }

    /// Record length and number of records of a record EF.
    pub fn records(&self) -> Option<(usize, usize)> {
        match self.kind {
            Kind::Ef {
                structure: Structure::LinearFixed | Structure::Cyclic,
                record_len,
            } if record_len > 0 => Some((record_len, self.data.len() / record_len)),
            _ => None,
        }
    }
}

/// Why a package gives no file system.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FsError {
    #[error("the profile package does not decode: {0}")]
    Package(String),
    #[error("the profile package has no PE-MF")]
    NoMf,
}

/// The files of one Profile.
#[derive(Clone, Debug)]
pub struct FileSystem {
    pub nodes: Vec<Node>,
}

pub const MF: NodeId = 0;

/// Template labels whose DF sits in the last ADF.USIM (TS 31.102 §4.4).
const IN_USIM: &[&str] = &[
    "PHONEBOOK",
    "GSM-ACCESS",
    "DF-5GS",
    "DF-SAIP",
    "DF-SNPN",
    "DF-5GPROSE",
    "EAP",
];

/// File descriptor, size and SFI from an FCP, with template defaults.
struct Shape {
    kind: Kind,
    size: usize,
}

fn shape(label: &str, component: &str, fcp: Option<&Fcp>, content_end: usize) -> Shape {
    let is_dir = component == "mf" || component.starts_with("df-") || component.starts_with("adf-");
    let descriptor = fcp.and_then(|f| f.file_descriptor.as_deref());
    let kind = match descriptor.and_then(|d| d.first()) {
        Some(b) if b & 0x38 == 0x38 && b & 0x07 == 0x01 => Kind::Ef {
            structure: Structure::BerTlv,
            record_len: 0,
        },
        Some(b) if b & 0x38 == 0x38 => Kind::Df,
        Some(b) if b & 0x07 == 0x02 || b & 0x07 == 0x06 => Kind::Ef {
            structure: if b & 0x07 == 0x06 {
                Structure::Cyclic
            } else {
                Structure::LinearFixed
            },
            record_len: fcp.and_then(Fcp::record_length).map_or(0, usize::from),
        },
        Some(_) => Kind::Ef {
            structure: Structure::Transparent,
            record_len: 0,
        },
        None if is_dir => Kind::Df,
        None => Kind::Ef {
            structure: Structure::Transparent,
            record_len: 0,
        },
    };
    let declared = fcp
        .and_then(Fcp::file_size)
        .and_then(|s| usize::try_from(s).ok())
        .or_else(|| names::default_size(label, component));
    let size = match (&kind, declared) {
        (Kind::Df, _) => 0,
        (_, Some(s)) => s,
        (
            Kind::Ef {
                record_len: rl @ 1..,
                ..
            },
            None,
        ) => content_end.div_ceil(*rl).max(1) * rl,
        (_, None) => content_end,
    };
    Shape { kind, size }
}

/// SFI from the FCP's `88` (absent: the FID's 5 low bits; empty: none), TS 102 221
/// §11.1.1.4.8.
fn sfi(fcp: Option<&Fcp>, fid: [u8; 2]) -> Option<u8> {
    match fcp.and_then(|f| f.short_ef_id.as_deref()) {
        None => Some(fid[1] & 0x1F).filter(|s| *s != 0),
        Some([b]) => Some(b >> 3).filter(|s| *s != 0),
        Some(_) => None,
    }
}

/// Key references listed in a SAIP `pinStatusTemplateDO`: either a full `C6` content
/// (`90` PS_DO then `83` key references) or the bare list of key references.
fn pin_refs(raw: &[u8]) -> Vec<u8> {
    if raw.first() != Some(&0x90) {
        return raw.to_vec();
    }
    let mut out = Vec::new();
    let mut rest = raw;
    while let [tag, len, tail @ ..] = rest {
        let len = usize::from(*len);
        let Some((value, next)) = tail.split_at_checked(len) else {
            break;
        };
        if *tag == 0x83
            && let Some(r) = value.first()
        {
            out.push(*r);
        }
        rest = next;
    }
    out
}

impl FileSystem {
    /// Builds the file system of `package` (concatenated DER profile elements).
    pub fn from_package(package: &[u8]) -> Result<Self, FsError> {
        let pkg = ProfilePackage::decode(package).map_err(|e| FsError::Package(e.to_string()))?;
        let mut fs = FileSystem { nodes: Vec::new() };
        // Last ADF created by each template label ("USIM", "ISIM", …).
        let mut last_adf: BTreeMap<&'static str, NodeId> = BTreeMap::new();
        for e in &pkg.elements {
            let Some(pe) = e.pe() else { continue };
            if let ProfileElement::GenericFileManagement(g) = pe {
                for cmds in &g.file_management_cmd {
                    fs.run_gfm(&cmds.0);
                }
                continue;
            }
            let Some(t) = pe.as_template() else { continue };
            let label = t.label();
            let base = match label {
                "MF" => None,
                l if l.starts_with("OPT-") => {
                    let Some(adf) = last_adf.get(&l[4..]).copied() else {
                        continue;
                    };
                    Some(adf)
                }
                l if IN_USIM.contains(&l) => match last_adf.get("USIM") {
                    Some(adf) => Some(*adf),
                    None => continue,
                },
                _ => Some(MF),
            };
            if label != "MF" && fs.nodes.is_empty() {
                return Err(FsError::NoMf);
            }
            let mut root: Option<NodeId> = None;
            let mut dir = base;
            for (component, file) in t.files() {
                if file.do_not_create() {
                    continue;
                }
                let is_dir = component == "mf"
                    || component.starts_with("df-")
                    || component.starts_with("adf-");
                let parent = if is_dir { root.or(base) } else { dir };
                let id = fs.add_template_file(label, component, file, parent);
                if let Some(id) = id
                    && is_dir
                {
                    if root.is_none() {
                        root = Some(id);
                        if component.starts_with("adf-") {
                            last_adf.insert(label, id);
                        }
                    }
                    dir = Some(id);
                }
            }
        }
        if fs.nodes.is_empty() {
            return Err(FsError::NoMf);
        }
        Ok(fs)
    }

    fn add_template_file(
        &mut self,
        label: &str,
        component: &str,
        file: &File,
        parent: Option<NodeId>,
    ) -> Option<NodeId> {
        let fcp = file.fcp();
        let fid = fcp
            .and_then(|f| f.file_id.as_deref())
            .and_then(|b| <[u8; 2]>::try_from(b).ok())
            .or_else(|| names::fid(label, component))?;
        let shape = shape(label, component, fcp, file.content_end());
        let mut data = if shape.kind == Kind::Df {
            Vec::new()
        } else {
            file.image(shape.size)
        };
        if shape.kind != Kind::Df {
            data.truncate(shape.size.max(file.content_end()));
        }
        if parent.is_none() && !self.nodes.is_empty() {
            return None;
        }
        Some(self.push(fid, fcp, shape.kind, data, parent))
    }

    fn push(
        &mut self,
        fid: [u8; 2],
        fcp: Option<&Fcp>,
        kind: Kind,
        data: Vec<u8>,
        parent: Option<NodeId>,
    ) -> NodeId {
        let aid = fcp.and_then(|f| f.df_name.as_deref()).map(<[u8]>::to_vec);
        let key = match (&aid, parent.and_then(|p| self.nodes.get(p))) {
            (Some(aid), _) => hex::encode_upper(aid),
            (None, Some(p)) => format!("{}/{}", p.key, hex::encode_upper(fid)),
            (None, None) => hex::encode_upper(fid),
        };
        let node = Node {
            fid,
            aid,
            sfi: if kind == Kind::Df {
                None
            } else {
                sfi(fcp, fid)
            },
            arr: fcp
                .and_then(|f| f.security_attributes_referenced.as_deref())
                .map(<[u8]>::to_vec),
            lcsi: fcp
                .and_then(|f| f.lcsi.as_deref())
                .and_then(|l| l.first().copied())
                .unwrap_or(0x05),
            pin_refs: fcp
                .and_then(|f| f.pin_status_template_do.as_deref())
                .map(pin_refs)
                .unwrap_or_default(),
            kind,
            parent,
            children: Vec::new(),
            data,
            key,
        };
        let id = self.nodes.len();
        // A file created again with the same FID replaces the old one in its parent.
        if let Some(p) = parent.and_then(|p| self.nodes.get_mut(p)) {
            p.children.push(id);
        }
        self.nodes.push(node);
        if let Some(p) = parent {
            let dup: Vec<NodeId> = self.children(p).filter(|c| *c != id).collect();
            for old in dup {
                if self.nodes.get(old).is_some_and(|n| n.fid == fid)
                    && let Some(pn) = self.nodes.get_mut(p)
                {
                    pn.children.retain(|c| *c != old);
                }
            }
        }
        id
    }

    /// Runs one `FileManagement` sequence: `filePath` selects a DF by path from the MF,
    /// `createFCP` creates a file there (a created DF becomes the current DF, as CREATE
    /// FILE does, TS 102 222 §6.3), fills write into the last created EF.
    fn run_gfm(&mut self, items: &[FileManagementItem]) {
        let mut dir: Option<NodeId> = self.nodes.first().map(|_| MF);
        let mut ef: Option<NodeId> = None;
        let mut pos = 0usize;
        for item in items {
            match item {
                FileManagementItem::FilePath(p) => {
                    dir = self.resolve_path(MF, p);
                    ef = None;
                }
                FileManagementItem::CreateFcp(fcp) => {
                    let Some(parent) = dir else { continue };
                    let Some(fid) = fcp
                        .file_id
                        .as_deref()
                        .and_then(|b| <[u8; 2]>::try_from(b).ok())
                    else {
                        continue;
                    };
                    let shape = shape("", "", Some(fcp), 0);
                    let fill = fcp.fill_byte();
                    let data = vec![fill; shape.size];
                    let id = self.push(fid, Some(fcp), shape.kind.clone(), data, Some(parent));
                    pos = 0;
                    if shape.kind == Kind::Df {
                        dir = Some(id);
                        ef = None;
                    } else {
                        ef = Some(id);
                    }
                }
                FileManagementItem::FillFileOffset(n) => pos += usize::from(*n),
                FileManagementItem::FillFileContent(c) => {
                    if let Some(node) = ef.and_then(|i| self.nodes.get_mut(i)) {
                        let end = pos + c.len();
                        if node.data.len() < end {
                            node.data.resize(end, 0xFF);
                        }
                        if let Some(dst) = node.data.get_mut(pos..end) {
                            dst.copy_from_slice(c);
                        }
                    }
                    pos += c.len();
                }
            }
        }
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id)
    }

    pub fn node_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.nodes.get_mut(id)
    }

    /// The children of `id`.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .get(id)
            .map(|n| n.children.as_slice())
            .unwrap_or_default()
            .iter()
            .copied()
    }

    /// The child of `dir` with this FID.
    pub fn child(&self, dir: NodeId, fid: [u8; 2]) -> Option<NodeId> {
        self.children(dir)
            .find(|c| self.nodes.get(*c).is_some_and(|n| n.fid == fid))
    }

    /// Follows a path of FIDs from `start` (a leading `3F00` restarts at the MF).
    pub fn resolve_path(&self, start: NodeId, path: &[u8]) -> Option<NodeId> {
        let mut cur = start;
        for (i, fid) in path.chunks(2).enumerate() {
            let fid: [u8; 2] = fid.try_into().ok()?;
            cur = if i == 0 && fid == [0x3F, 0x00] {
                MF
            } else {
                self.child(cur, fid)?
            };
        }
        Some(cur)
    }

    /// ADFs whose AID starts with `aid` (partial DF name selection, TS 102 221 §8.5.1).
    pub fn adf_by_aid(&self, aid: &[u8]) -> Option<NodeId> {
        if aid.is_empty() {
            return None;
        }
        self.nodes
            .iter()
            .position(|n| n.aid.as_deref().is_some_and(|a| a.starts_with(aid)))
    }

    /// The DF that holds `id` (itself for a DF).
    pub fn dir_of(&self, id: NodeId) -> NodeId {
        match self.nodes.get(id) {
            Some(n) if n.is_df() => id,
            Some(n) => n.parent.unwrap_or(MF),
            None => MF,
        }
    }

    /// The ADF that contains `id` (or `id` itself), if any.
    pub fn adf_of(&self, id: NodeId) -> Option<NodeId> {
        let mut cur = Some(id);
        while let Some(c) = cur {
            let n = self.nodes.get(c)?;
            if n.is_adf() {
                return Some(c);
            }
            cur = n.parent;
        }
        None
    }

    /// The EF with `sfi` in `dir`.
    pub fn by_sfi(&self, dir: NodeId, sfi: u8) -> Option<NodeId> {
        self.children(dir).find(|c| {
            self.nodes
                .get(*c)
                .is_some_and(|n| !n.is_df() && n.sfi == Some(sfi))
        })
    }

    /// Content of every EF by persistence key (what UPDATE commands change).
    pub fn contents(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.nodes
            .iter()
            .filter(|n| !n.is_df())
            .map(|n| (n.key.as_str(), n.data.as_slice()))
    }

    /// Applies persisted contents (same length only).
    pub fn restore(&mut self, files: &BTreeMap<String, crate::state::HexBytes>) {
        for n in &mut self.nodes {
            if let Some(d) = files.get(&n.key)
                && d.0.len() == n.data.len()
            {
                n.data.clone_from(&d.0);
            }
        }
    }
}
