"""Strings of the local browser playground (bot/playground/): the page shows Korean with English."""

MESSAGES: dict[str, dict[str, str]] = {
    "playground.title": {"ko": "ChatOps 플레이그라운드", "en": "ChatOps playground"},
    "playground.subtitle": {
        "ko": "데모 회사 한빛테크의 직원이 되어 Teams나 Slack에서 봇을 써 보세요",
        "en": "Use the bot in Teams or Slack as an employee of the demo company",
    },
    "playground.local_only": {
        "ko": "모든 메시지와 클릭은 실제 /api/messages, /slack/events 를 거칩니다",
        "en": "Every message and click goes through the real /api/messages and /slack/events",
    },
    "playground.local_badge": {"ko": "로컬 모드 전용", "en": "Local mode only"},
    "playground.platform": {"ko": "플랫폼", "en": "Platform"},
    "playground.user": {"ko": "데모 직원", "en": "Demo employee"},
    "playground.commands": {"ko": "빠른 명령", "en": "Quick commands"},
    "playground.send": {"ko": "보내기", "en": "Send"},
    "playground.placeholder_teams": {
        "ko": "메시지 입력 (예: help)",
        "en": "Type a message (e.g. help)",
    },
    "playground.placeholder_slack": {
        "ko": "명령 입력 (예: /chatops help)",
        "en": "Type a command (e.g. /chatops help)",
    },
    "playground.empty": {
        "ko": "아직 대화가 없습니다. 빠른 명령을 눌러 시작해 보세요.",
        "en": "No messages yet. Pick a quick command to start.",
    },
    "playground.you": {"ko": "나", "en": "You"},
    "playground.bot": {"ko": "봇", "en": "Bot"},
    "playground.app": {"ko": "앱", "en": "App"},
    "playground.only_you": {"ko": "나에게만 표시", "en": "Only visible to you"},
    "playground.edited": {"ko": "수정됨", "en": "edited"},
    "playground.reconnecting": {
        "ko": "연결이 끊겼습니다. 다시 연결하는 중…",
        "en": "Connection lost, reconnecting…",
    },
    "playground.bot_error": {
        "ko": "봇이 HTTP {status} 로 응답했습니다.",
        "en": "The bot answered HTTP {status}.",
    },
    "playground.unknown_slash": {
        "ko": "{command} 은(는) 이 앱의 명령이 아닙니다.",
        "en": "{command} is not a command of this app.",
    },
    "playground.slack_off": {
        "ko": "Slack이 꺼져 있습니다. `chatops serve` 로 실행하면 플레이그라운드 전용 Slack이 켜집니다.",
        "en": "Slack is off. Run `chatops serve`: it sets up a playground-only Slack.",
    },
    "playground.slack_real": {
        "ko": "실제 Slack 워크스페이스가 설정되어 있어 플레이그라운드에서는 Slack을 쓸 수 없습니다.",
        "en": "A real Slack workspace is configured, so the playground cannot act as Slack.",
    },
    "playground.cancel": {"ko": "취소", "en": "Cancel"},
    "playground.notice": {"ko": "알림", "en": "Notice"},
}
