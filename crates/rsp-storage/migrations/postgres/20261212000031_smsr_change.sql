-- SGP.02 §3.7 SM-SR change, postgres. Same schema intent as
-- ../sqlite/20261212000031_smsr_change.sql; keep the two in step.

-- One record per eUICC and side (this SM-SR is the new one or the current one): the
-- change as a JSON document (rsp_smsr::es7::SmsrChange) and its stage, moved by
-- compare-and-set on the stage so two replicas never take one step twice. No secret in
-- it: the new ISD-R keyset goes to smsr_euiccs.keys_sealed.
CREATE TABLE smsr_changes (
    eid        TEXT    NOT NULL,
    side       TEXT    NOT NULL CHECK (side IN ('new', 'current')),
    stage      TEXT    NOT NULL,
    record     TEXT    NOT NULL,
    expires_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (eid, side)
);

CREATE INDEX smsr_changes_stage ON smsr_changes (stage, updated_at);
