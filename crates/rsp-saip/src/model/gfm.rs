//! `PE-GenericFileManagement` (TCA SAIP v3.3.1 §8.3.5): files outside the templates.

use rasn::prelude::*;

use super::PeHeader;
use super::file::Fcp;

/// One command of a `FileManagement` sequence.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum FileManagementItem {
    /// Select by path (temporary file ID for an ADF); empty means MF.
    #[rasn(tag(context, 0))]
    FilePath(OctetString),
    /// Create a file with these FCP ('62' template).
    #[rasn(tag(application, 2))]
    CreateFcp(Box<Fcp>),
    FillFileOffset(u16),
    #[rasn(tag(context, 1))]
    FillFileContent(OctetString),
}

/// `FileManagement ::= SEQUENCE OF CHOICE {...}`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(delegate)]
pub struct FileManagement(pub Vec<FileManagementItem>);

/// `PE-GenericFileManagement`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct PeGenericFileManagement {
    pub gfm_header: PeHeader,
    pub file_management_cmd: Vec<FileManagement>,
}
