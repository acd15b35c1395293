"""The misconduct case register: cases, the people in them, allegations and outcomes."""
