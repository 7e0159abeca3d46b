"""Tests of the ts2rtc Home Assistant side (run from integration/, see pytest.ini)."""
