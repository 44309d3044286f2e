//! GlobalPlatform Amendment B remote administration over HTTP (SCP81) on TLS-PSK: the SM-SR's admin server and the eUICC's admin agent
