//! `File`, `Fcp` and `ProprietaryInfo` (TCA SAIP v3.3.1 §8.3.2), and the
//! `template_pe!` macro that defines the file-system template PEs.
//!
//! Fields with an ASN.1 DEFAULT are modelled as `Option` so that a value present
//! explicitly in the input (even if equal to the default) is re-encoded unchanged.

use rasn::prelude::*;

/// `ProprietaryInfo` (SAIP §8.3.2, ETSI TS 102 222).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct ProprietaryInfo {
    /// DEFAULT '00'H.
    #[rasn(tag(private, 0))]
    pub special_file_information: Option<OctetString>,
    #[rasn(tag(private, 1))]
    pub fill_pattern: Option<OctetString>,
    #[rasn(tag(private, 2))]
    pub repeat_pattern: Option<OctetString>,
    #[rasn(tag(context, 6))]
    pub maximum_file_size: Option<OctetString>,
    /// DEFAULT '01'H.
    #[rasn(tag(context, 4))]
    pub file_details: Option<OctetString>,
}

/// `Fcp`: file control parameters (SAIP §8.3.2, ETSI TS 102 222).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
pub struct Fcp {
    #[rasn(tag(context, 2))]
    pub file_descriptor: Option<OctetString>,
    #[rasn(tag(context, 3))]
    pub file_id: Option<OctetString>,
    #[rasn(tag(context, 4))]
    pub df_name: Option<OctetString>,
    /// DEFAULT '05'H (operational, activated).
    #[rasn(tag(context, 10))]
    pub lcsi: Option<OctetString>,
    #[rasn(tag(context, 11))]
    pub security_attributes_referenced: Option<OctetString>,
    /// Minimum number of octets, no leading zero (SAIP §8.3.2).
    #[rasn(tag(context, 0))]
    pub ef_file_size: Option<OctetString>,
    #[rasn(tag(private, 6))]
    pub pin_status_template_do: Option<OctetString>,
    #[rasn(tag(context, 8))]
    pub short_ef_id: Option<OctetString>,
    #[rasn(tag(context, 5))]
    pub proprietary_ef_info: Option<ProprietaryInfo>,
    #[rasn(tag(private, 7))]
    pub link_path: Option<OctetString>,
}

impl Fcp {
    /// `efFileSize` as a number, if present and at most 4 bytes.
    pub fn file_size(&self) -> Option<u32> {
        let raw = self.ef_file_size.as_ref()?;
        if raw.is_empty() || raw.len() > 4 {
            return None;
        }
        Some(raw.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
    }

    /// Record length of a linear fixed or cyclic EF (file descriptor bytes 3–4,
    /// ETSI TS 102 221 §11.1.1.4.3), if the descriptor carries one.
    pub fn record_length(&self) -> Option<u16> {
        let fd = self.file_descriptor.as_ref()?;
        match fd.len() {
            3 => Some(u16::from(fd[2])),
            4 => Some(u16::from_be_bytes([fd[2], fd[3]])),
            _ => None,
        }
    }

    /// The fill byte for unwritten content (fillPattern's first byte), default 'FF'.
    pub fn fill_byte(&self) -> u8 {
        self.proprietary_ef_info
            .as_ref()
            .and_then(|p| p.fill_pattern.as_ref().or(p.repeat_pattern.as_ref()))
            .and_then(|p| p.first().copied())
            .unwrap_or(0xFF)
    }
}

/// One component of a `File` (SAIP §8.3.2).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
pub enum FileItem {
    /// Do not create this file of a "created by default" template.
    DoNotCreate(()),
    FileDescriptor(Box<Fcp>),
    /// Skip this many bytes from the current position.
    FillFileOffset(u16),
    FillFileContent(OctetString),
}

/// `File ::= SEQUENCE OF CHOICE {...}`: an FCP and the content to write.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(delegate)]
pub struct File(pub Vec<FileItem>);

/// Where a file slot of a template PE stands: mandatory (`File`) or `Option<File>`.
pub trait FileSlot {
    /// True for mandatory components.
    const MANDATORY: bool;
    /// The file, if present.
    fn slot(&self) -> Option<&File>;
    /// The file, if present, mutably.
    fn slot_mut(&mut self) -> Option<&mut File>;
}

impl FileSlot for File {
    const MANDATORY: bool = true;
    fn slot(&self) -> Option<&File> {
        Some(self)
    }
    fn slot_mut(&mut self) -> Option<&mut File> {
        Some(self)
    }
}

impl FileSlot for Option<File> {
    const MANDATORY: bool = false;
    fn slot(&self) -> Option<&File> {
        self.as_ref()
    }
    fn slot_mut(&mut self) -> Option<&mut File> {
        self.as_mut()
    }
}

/// Access shared by all file-system template PEs (PE-MF, PE-USIM, …).
pub trait TemplatePe {
    /// Short label of the PE type ("USIM", "OPT-USIM", …).
    fn label(&self) -> &'static str;
    /// ASN.1 names of the file components and whether each is mandatory, in order.
    fn components(&self) -> &'static [(&'static str, bool)];
    /// The PE header.
    fn pe_header(&self) -> &super::PeHeader;
    /// The template OID.
    fn template_id(&self) -> &ObjectIdentifier;
    /// Present files with their ASN.1 component names, in order.
    fn files(&self) -> Vec<(&'static str, &File)>;
    /// The file with ASN.1 component name `name` (e.g. "ef-imsi"), if present.
    fn file_mut(&mut self, name: &str) -> Option<&mut File>;
}

/// Defines a file-system template PE: `header, templateID, File…` with automatic tags.
macro_rules! template_pe {
    ($(#[$m:meta])* $name:ident, $label:literal, $header:ident {
        $($field:ident : $ty:ty = $asn:literal),* $(,)?
    }) => {
        $(#[$m])*
        #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
        #[rasn(automatic_tags)]
        pub struct $name {
            pub $header: super::PeHeader,
            pub template_id: rasn::types::ObjectIdentifier,
            $(#[doc = $asn] pub $field: $ty,)*
        }

        impl $name {
            /// ASN.1 names of the file components and whether each is mandatory.
            pub const COMPONENTS: &'static [(&'static str, bool)] =
                &[$(($asn, <$ty as super::file::FileSlot>::MANDATORY)),*];
        }

        impl super::file::TemplatePe for $name {
            fn label(&self) -> &'static str {
                $label
            }
            fn components(&self) -> &'static [(&'static str, bool)] {
                Self::COMPONENTS
            }
            fn pe_header(&self) -> &super::PeHeader {
                &self.$header
            }
            fn template_id(&self) -> &rasn::types::ObjectIdentifier {
                &self.template_id
            }
            fn files(&self) -> Vec<(&'static str, &File)> {
                let mut out = Vec::new();
                $(if let Some(f) = super::file::FileSlot::slot(&self.$field) {
                    out.push(($asn, f));
                })*
                out
            }
            fn file_mut(&mut self, name: &str) -> Option<&mut File> {
                match name {
                    $($asn => super::file::FileSlot::slot_mut(&mut self.$field),)*
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use template_pe;
