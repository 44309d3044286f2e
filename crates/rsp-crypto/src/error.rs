//! Typed errors of the crate. No variant carries secret material.

/// Every failure `rsp-crypto` reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The bytes are not a valid point on the curve (or the point at infinity).
    #[error("invalid public key point")]
    InvalidPoint,
    /// The signature does not verify.
    #[error("signature verification failed")]
    InvalidSignature,
    /// A TR-03111 plain signature must be exactly 64 bytes for 256-bit curves.
    #[error("plain signature must be {expected} bytes, got {actual}")]
    BadSignatureLength {
        /// Required length.
        expected: usize,
        /// Length received.
        actual: usize,
    },
    /// The DER `ECDSA-Sig-Value` is malformed or its integers do not fit 32 bytes.
    #[error("malformed DER ECDSA signature")]
    SignatureEncoding,
    /// The private key is malformed or out of range.
    #[error("invalid private key")]
    InvalidKey,
    /// The curve (by OID) is not NIST P-256 or brainpoolP256r1.
    #[error("unsupported curve {0}")]
    UnsupportedCurve(String),
    /// The key algorithm is not id-ecPublicKey.
    #[error("unsupported key algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The two keys of an operation are on different curves.
    #[error("keys are on different curves")]
    CurveMismatch,
    /// PEM framing or label problem.
    #[error("PEM: {0}")]
    Pem(String),
    /// DER structure of a key (PKCS#8, SEC1, SPKI) is malformed.
    #[error("key encoding: {0}")]
    KeyEncoding(String),
    /// The operating system random generator failed.
    #[error("random number generator failure")]
    Rng,
    /// The signing backend failed.
    #[error("signing failed")]
    Signing,
    /// The ECDH backend failed.
    #[error("key agreement failed")]
    Agreement,
    /// Wrong key derivation input (SGP.22 Annex G).
    #[error("key derivation: {0}")]
    Kdf(&'static str),
    /// The C-MAC of a protected segment does not match (SCP03t).
    #[error("MAC verification failed")]
    Mac,
    /// The ISO/IEC 9797-1 method 2 padding is missing or wrong.
    #[error("invalid padding")]
    Padding,
    /// Ciphertext length not a multiple of the block size, or empty.
    #[error("decryption failed: {0}")]
    Decrypt(&'static str),
    /// A BER-TLV is truncated, has a wrong tag or a bad length.
    #[error("malformed TLV: {0}")]
    Tlv(&'static str),
    /// The SCP03t block counter would wrap.
    #[error("SCP03t block counter exhausted")]
    CounterExhausted,
    /// An SCP03 card or host cryptogram does not match (the two sides hold different keys).
    #[error("authentication cryptogram mismatch")]
    Cryptogram,
    /// An SCP03 message does not fit the protocol (GP Amd D): framing, security level,
    /// INITIALIZE UPDATE response.
    #[error("secure channel: {0}")]
    SecureChannel(&'static str),
}
