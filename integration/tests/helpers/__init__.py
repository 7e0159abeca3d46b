"""Helpers shared by the Python tests: a real ts2rtc process and an aiortc WebRTC peer."""
