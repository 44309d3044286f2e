//! TCA eUICC Profile Package: Interoperable Format (SAIP), PE definitions v3.x.
