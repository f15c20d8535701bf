"""Strings of the Teams app package and the Slack app manifest (what the app stores show)."""

MESSAGES: dict[str, dict[str, str]] = {
    "manifest.name.full": {"ko": "ChatOps 업무 도우미", "en": "ChatOps work assistant"},
    "manifest.description.short": {
        "ko": "ERP 결재, KPI 요약, 마감 알림을 채팅에서 바로 처리합니다",
        "en": "ERP approvals, KPI summaries and deadline nudges, right in chat",
    },
    "manifest.description.full": {
        "ko": (
            "ChatOps는 회사의 ERP와 그룹웨어를 Teams와 Slack으로 가져옵니다. 결재 요청을 카드에서 바로 승인, "
            "반려, 보류하고, 매출과 생산 KPI를 채팅으로 물어보고, 마감이 다가온 업무는 영업일 기준으로 미리 "
            "알려 드립니다. `help`를 입력하면 사용할 수 있는 명령과 예시를 볼 수 있습니다."
        ),
        "en": (
            "ChatOps brings your company's ERP and groupware into Teams and Slack. Approve, reject or hold "
            "approval requests right from a card, ask for sales and production KPIs in chat, and get nudged "
            "about tasks whose deadline is near, counted in business days. Type `help` to see every command "
            "with an example."
        ),
    },
    "manifest.slack.umbrella.description": {
        "ko": "ChatOps 봇: 결재, KPI, 알림 (예: /chatops help)",
        "en": "ChatOps bot: approvals, KPIs and reminders (try /chatops help)",
    },
    "manifest.slack.umbrella.usage": {
        "ko": "[명령] [인자] — {commands}",
        "en": "[command] [arguments] — {commands}",
    },
}
