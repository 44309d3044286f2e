//! Virtual SGP.02 M2M eUICC: ISD-R, ECASD and ISD-Ps behind an SCP80 (SMS) and SCP81 (HTTPS) remote administration agent, with a modem simulator
