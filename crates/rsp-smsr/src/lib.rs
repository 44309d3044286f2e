//! SGP.02 M2M SM-SR domain: EIS, ES1/ES3/ES4 operations, ES5 command scripts, POL2, operation log
