//! SGP.22 v2.5 `RSPDefinitions` as Rust types over `rasn` (DER encode, DER/BER decode).
//!
//! One module per GSMA interface so a reader with the spec finds a type by its ASN.1
//! name; everything is re-exported flat here. Conventions:
//! - the module is `AUTOMATIC TAGS, EXTENSIBILITY IMPLIED`: tags are written out per
//!   field (X.680 §25.3: automatic tagging only where no component carries a tag), and
//!   every SEQUENCE ends with [`Extensions`] keeping unknown trailing fields verbatim;
//! - signed sub-structures are [`Raw`] (value + bytes as received);
//! - CHOICEs a newer peer is known to extend are [`OpenChoice`];
//! - INTEGERs with named numbers / BIT STRINGs with named bits are newtypes with
//!   constants.
//!
//! Entry points: [`decode`] (DER rules, trailing bytes refused), [`decode_ber`] (BER rules),
//! [`decode_prefix`] (one value off the front), [`encode`] (DER).
//!
//! SGP.32 v1.2 (ESipa, eUICC packages, ES10b IoT) lives in [`sgp32`] (not re-exported
//! here, its names overlap SGP.22's): it reuses these types under its own tags (e.g.
//! `ctxParams1 [2] CtxParams1 OPTIONAL`), which works with field-level tag attributes since
//! every type here carries the tag of its definition.

pub mod certificate;
pub mod choice;
mod codec;
pub mod common;
pub mod es10a;
pub mod es10b;
pub mod es10c;
pub mod es11;
pub mod es8plus;
pub mod es9plus;
pub mod ext;
pub(crate) mod macros;
pub mod oid;
pub mod raw;
pub mod sgp32;

pub use certificate::*;
pub use choice::OpenChoice;
pub use codec::{CodecError, decode, decode_ber, decode_prefix, encode};
pub use common::*;
pub use es8plus::*;
pub use es9plus::*;
pub use es10a::*;
pub use es10b::*;
pub use es10c::*;
pub use es11::*;
pub use ext::Extensions;
pub use oid::{oid_from_text, oid_text};
pub use raw::Raw;
