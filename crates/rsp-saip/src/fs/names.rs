//! File names: ASN.1 component names ("ef-imsi") ↔ display names ("EF.IMSI"), and the
//! file identifiers of the template files (ETSI TS 102 221 §13, 3GPP TS 31.102 §4,
//! TS 31.103 §4, TS 51.011 §10).

/// "ef-imsi" → "EF.IMSI", "adf-usim" → "ADF.USIM", "df-df-5gs" → "DF.DF-5GS", "mf" → "MF".
pub fn display_name(component: &str) -> String {
    let upper = component.to_ascii_uppercase();
    for prefix in ["ADF-", "EF-", "DF-"] {
        if let Some(rest) = upper.strip_prefix(prefix) {
            return format!("{}.{rest}", prefix.trim_end_matches('-'));
        }
    }
    upper
}

/// "EF.IMSI", "ef_imsi", "Ef-Imsi" → "ef-imsi" (the ASN.1 component name, lower case).
pub fn normalise(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace(['.', '_'], "-")
}

/// Whether a normalised name equals an ASN.1 component name (case-insensitive).
pub fn matches(normalised: &str, component: &str) -> bool {
    normalised.eq_ignore_ascii_case(component)
}

/// File identifier of a template file, by PE label and component name.
///
/// Covers the files personalised or checked by this crate and the common ones; `None`
/// means "not in this table", not "no FID".
pub fn fid(pe_label: &str, component: &str) -> Option<[u8; 2]> {
    let f = match (pe_label, component) {
        // ETSI TS 102 221 §13
        ("MF", "mf") => [0x3F, 0x00],
        ("MF", "ef-pl") => [0x2F, 0x05],
        ("MF", "ef-iccid") => [0x2F, 0xE2],
        ("MF", "ef-dir") => [0x2F, 0x00],
        ("MF", "ef-arr") => [0x2F, 0x06],
        ("MF", "ef-umpc") => [0x2F, 0x08],
        ("TELECOM", "df-telecom") => [0x7F, 0x10],
        ("TELECOM", "ef-arr") => [0x6F, 0x06],
        ("TELECOM", "ef-sume") => [0x6F, 0x54],
        ("TELECOM", "ef-psismsc") => [0x6F, 0xE5],
        ("TELECOM", "df-graphics") => [0x5F, 0x50],
        ("TELECOM", "df-phonebook") => [0x5F, 0x3A],
        ("TELECOM", "df-multimedia") => [0x5F, 0x3B],
        ("TELECOM", "df-mmss") => [0x5F, 0x3C],
        // 3GPP TS 31.102 §4.2 (USIM); ADF FIDs are temporary (SAIP §8.3.2)
        ("USIM" | "OPT-USIM" | "IoT" | "OPT-IoT", c) => match c {
            "ef-imsi" => [0x6F, 0x07],
            "ef-arr" | "ef-arr-usim" => [0x6F, 0x06],
            "ef-keys" => [0x6F, 0x08],
            "ef-keysPS" => [0x6F, 0x09],
            "ef-hpplmn" => [0x6F, 0x31],
            "ef-ust" => [0x6F, 0x38],
            "ef-fdn" => [0x6F, 0x3B],
            "ef-sms" => [0x6F, 0x3C],
            "ef-smsp" => [0x6F, 0x42],
            "ef-smss" => [0x6F, 0x43],
            "ef-spn" => [0x6F, 0x46],
            "ef-est" => [0x6F, 0x56],
            "ef-start-hfn" => [0x6F, 0x5B],
            "ef-threshold" => [0x6F, 0x5C],
            "ef-psloci" => [0x6F, 0x73],
            "ef-acc" => [0x6F, 0x78],
            "ef-fplmn" => [0x6F, 0x7B],
            "ef-loci" => [0x6F, 0x7E],
            "ef-ad" => [0x6F, 0xAD],
            "ef-ecc" => [0x6F, 0xB7],
            "ef-netpar" => [0x6F, 0xC4],
            "ef-epsloci" => [0x6F, 0xE3],
            "ef-epsnsc" => [0x6F, 0xE4],
            "ef-li" => [0x6F, 0x05],
            "ef-gid1" => [0x6F, 0x3E],
            "ef-gid2" => [0x6F, 0x3F],
            "ef-msisdn" => [0x6F, 0x40],
            "ef-plmnwact" => [0x6F, 0x60],
            "ef-oplmnwact" => [0x6F, 0x61],
            "ef-hplmnwact" => [0x6F, 0x62],
            "ef-pnn" => [0x6F, 0xC5],
            "ef-opl" => [0x6F, 0xC6],
            "ef-spdi" => [0x6F, 0xCD],
            "ef-ehplmn" => [0x6F, 0xD9],
            _ => return None,
        },
        // 3GPP TS 31.102 §4.4.11 (DF 5GS) and §4.4.x (DF SAIP)
        ("DF-5GS", "df-df-5gs") => [0x5F, 0xC0],
        ("DF-5GS", "ef-5gs3gpploci") => [0x4F, 0x01],
        ("DF-5GS", "ef-5gsn3gpploci") => [0x4F, 0x02],
        ("DF-5GS", "ef-5gs3gppnsc") => [0x4F, 0x03],
        ("DF-5GS", "ef-5gsn3gppnsc") => [0x4F, 0x04],
        ("DF-5GS", "ef-5gauthkeys") => [0x4F, 0x05],
        ("DF-5GS", "ef-uac-aic") => [0x4F, 0x06],
        ("DF-5GS", "ef-suci-calc-info") => [0x4F, 0x07],
        ("DF-5GS", "ef-opl5g") => [0x4F, 0x08],
        ("DF-5GS", "ef-supinai") => [0x4F, 0x09],
        ("DF-5GS", "ef-routing-indicator") => [0x4F, 0x0A],
        ("DF-SAIP", "df-df-saip") => [0x5F, 0xD0],
        ("DF-SAIP", "ef-suci-calc-info-usim") => [0x4F, 0x01],
        // 3GPP TS 51.011 §10.3 via TS 31.102 §4.6 (DF GSM-ACCESS)
        ("GSM-ACCESS", "df-gsm-access") => [0x5F, 0x3B],
        ("GSM-ACCESS", "ef-kc") => [0x4F, 0x20],
        ("GSM-ACCESS", "ef-kcgprs") => [0x4F, 0x52],
        ("GSM-ACCESS", "ef-cpbcch") => [0x4F, 0x63],
        ("GSM-ACCESS", "ef-invscan") => [0x4F, 0x64],
        // 3GPP TS 31.103 §4.2 (ISIM)
        ("ISIM" | "OPT-ISIM", c) => match c {
            "ef-impi" => [0x6F, 0x02],
            "ef-domain" => [0x6F, 0x03],
            "ef-impu" => [0x6F, 0x04],
            "ef-arr" => [0x6F, 0x06],
            "ef-ist" => [0x6F, 0x07],
            "ef-pcscf" => [0x6F, 0x09],
            "ef-ad" => [0x6F, 0xAD],
            "ef-sms" => [0x6F, 0x3C],
            "ef-smsp" => [0x6F, 0x42],
            "ef-smss" => [0x6F, 0x43],
            "ef-smsr" => [0x6F, 0x47],
            _ => return None,
        },
        _ => return None,
    };
    Some(f)
}

/// Template default size in bytes of the files whose size this crate relies on when
/// the profile gives no FCP (TCA SAIP Annex A; 3GPP TS 31.102 §4.2.2; TS 102 221 §13.2).
pub fn default_size(pe_label: &str, component: &str) -> Option<usize> {
    match (pe_label, component) {
        ("MF", "ef-iccid") => Some(10),
        ("USIM" | "IoT", "ef-imsi") => Some(9),
        // TS 31.102 §4.2: fixed-size USIM EFs.
        ("USIM" | "IoT", c) => match c {
            "ef-keys" | "ef-keysPS" => Some(33),
            "ef-hpplmn" => Some(1),
            "ef-spn" => Some(17),
            "ef-start-hfn" => Some(6),
            "ef-threshold" => Some(3),
            "ef-psloci" => Some(14),
            "ef-acc" => Some(2),
            "ef-loci" => Some(11),
            "ef-epsloci" => Some(18),
            _ => None,
        },
        // TS 31.102 §4.4.3 (DF GSM-ACCESS).
        ("GSM-ACCESS", "ef-kc" | "ef-kcgprs") => Some(9),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(display_name("ef-imsi"), "EF.IMSI");
        assert_eq!(display_name("adf-usim"), "ADF.USIM");
        assert_eq!(display_name("mf"), "MF");
        assert_eq!(normalise("EF.IMSI"), "ef-imsi");
        assert_eq!(normalise("ef_keysPS"), "ef-keysps");
        assert!(matches(&normalise("EF.KEYSPS"), "ef-keysPS"));
        assert_eq!(fid("MF", "ef-iccid"), Some([0x2F, 0xE2]));
        assert_eq!(fid("USIM", "ef-imsi"), Some([0x6F, 0x07]));
    }
}
