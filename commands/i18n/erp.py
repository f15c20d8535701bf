"""Strings for ERP errors the user can act on."""

MESSAGES: dict[str, dict[str, str]] = {
    "erp.already_decided": {
        "ko": "이미 처리된 결재입니다. 최신 상태를 확인해 주세요.",
        "en": "This approval has already been decided. Please check its current state.",
    },
    "erp.item_changed": {
        "ko": "결재 문서가 그사이 변경되었습니다. 최신 내용을 확인한 뒤 다시 처리해 주세요.",
        "en": "The approval changed in the meantime. Please review the latest version and try again.",
    },
    "erp.not_your_step": {
        "ko": "지금은 회원님의 결재 차례가 아닙니다.",
        "en": "It is not your turn to decide on this approval.",
    },
    "erp.reason_required": {
        "ko": "반려하려면 사유를 입력해 주세요.",
        "en": "Please give a reason to reject.",
    },
}
