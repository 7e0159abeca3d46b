"""Home Assistant's own integrations and client libraries against a real ts2rtc process."""
