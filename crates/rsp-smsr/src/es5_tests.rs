//! Unit tests of [`super`] (the ES5 scripts and their answers).

use super::*;

#[test]
fn send_data_scripts_split_in_both_formats() {
    let compact = hex::decode("80F24002024F0080CA00FE00").unwrap_or_default();
    let apdus = send_data_apdus(&compact);
    assert_eq!(
        apdus,
        Ok(vec!["80F24002024F00".into(), "80CA00FE00".into()])
    );
    let expanded = hex::decode("AA07220580CA00FE00").unwrap_or_default();
    assert_eq!(send_data_apdus(&expanded), Ok(vec!["80CA00FE00".into()]));
    for bad in [&[][..], &[0x80, 0xCA, 0x00], &[0xAA, 0x02, 0x22]] {
        assert!(matches!(send_data_apdus(bad), Err(SmsrError::Invalid(_))));
    }
}

#[test]
fn connectivity_parameters_give_the_msisdn() {
    let params = hex::decode("800791447700090099").unwrap_or_default();
    assert_eq!(connectivity_msisdn(&params), Ok("447700900099".into()));
    let params = hex::decode("800891447700090099F9").unwrap_or_default();
    assert_eq!(connectivity_msisdn(&params), Ok("4477009000999".into()));
    // A national number, another TLV, nothing, too long: refused.
    let bad = [
        "800781447700090099".to_owned(),
        "A0028100".to_owned(),
        String::new(),
        "00".repeat(300),
    ];
    for b in bad {
        let bytes = hex::decode(b).unwrap_or_default();
        assert!(matches!(
            connectivity_msisdn(&bytes),
            Err(SmsrError::Invalid(_))
        ));
    }
}
