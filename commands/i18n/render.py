"""Strings the card renderers add on their own: truncation notes, modal buttons, chart summaries."""

MESSAGES: dict[str, dict[str, str]] = {
    "render.more": {"ko": "…외 {count}개 항목은 표시하지 않았습니다.", "en": "…{count} more not shown."},
    "render.fallback": {"ko": "새 메시지", "en": "New message"},
    "render.image": {"ko": "이미지", "en": "Image"},
    "render.modal.title": {"ko": "입력", "en": "Input"},
    "render.modal.submit": {"ko": "보내기", "en": "Submit"},
    "render.modal.close": {"ko": "취소", "en": "Cancel"},
    "render.input.required": {"ko": "필수 입력 항목입니다.", "en": "This field is required."},
    "render.chart.min": {"ko": "최소", "en": "min"},
    "render.chart.max": {"ko": "최대", "en": "max"},
    "render.chart.last": {"ko": "최근", "en": "last"},
}
