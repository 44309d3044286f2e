//! SGP.22 status codes (subject code / reason code pairs).
