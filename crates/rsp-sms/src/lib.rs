//! SMS transport for the SGP.02 M2M SM-SR (ES5 over SMS): SMPP 3.4 ESME client, 3GPP TS 23.040 TPDUs, and an SMPP SMSC for tests and labs
