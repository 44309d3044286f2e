//! JSON bindings (SGP.22 §6.5 for ES2+/ES9+/ES11/ES12; owned by the JSON work).
