"""Strings the Slack adapter shows."""

MESSAGES: dict[str, dict[str, str]] = {
    "slack.working": {"ko": "처리 중입니다… ⏳", "en": "Working on it… ⏳"},
    "slack.input_required": {"ko": "필수 입력입니다.", "en": "This field is required."},
}
