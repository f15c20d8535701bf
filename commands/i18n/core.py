"""Strings of the core: errors, help, ping, whoami."""

MESSAGES: dict[str, dict[str, str]] = {
    "error.internal": {
        "ko": "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요. (요청 ID: {request_id})",
        "en": "Something went wrong. Please try again shortly. (request id: {request_id})",
    },
    "error.bad_input": {
        "ko": "입력을 이해하지 못했습니다: {reason}",
        "en": "I could not understand that: {reason}",
    },
    "error.unknown_command": {
        "ko": "'{command}'은(는) 알 수 없는 명령입니다. 사용할 수 있는 명령은 아래와 같습니다.",
        "en": "'{command}' is not a command I know. Here is what I can do.",
    },
    "error.not_found": {"ko": "찾을 수 없습니다: {what}", "en": "Not found: {what}"},
    "error.forbidden": {
        "ko": "이 작업을 할 권한이 없습니다.",
        "en": "You are not allowed to do that.",
    },
    "error.not_linked": {
        "ko": "아직 임직원 계정과 연결되지 않았습니다. `link 이메일` 또는 `link 사번`으로 연결해 주세요.",
        "en": "Your chat account is not linked to an employee yet. Use `link <email>` or `link <employee no>`.",
    },
    "error.conflict": {
        "ko": "이미 변경된 항목입니다: {what}",
        "en": "This has already changed: {what}",
    },
    "error.upstream": {
        "ko": "{service} 시스템이 응답하지 않습니다. 잠시 후 다시 시도해 주세요.",
        "en": "{service} is not answering right now. Please try again shortly.",
    },
    "error.unknown_action": {
        "ko": "더 이상 사용할 수 없는 버튼입니다.",
        "en": "This button is no longer available.",
    },
    "usage.title": {"ko": "사용법: {command}", "en": "Usage: {command}"},
    "usage.label": {"ko": "사용법", "en": "Usage"},
    "usage.example": {"ko": "예시", "en": "Example"},
    "help.title": {"ko": "ChatOps 봇 도움말", "en": "ChatOps bot help"},
    "help.intro": {
        "ko": "ERP 결재, KPI 요약, 마감 알림을 채팅에서 처리합니다. 명령 목록:",
        "en": "Approvals, KPI summaries and deadline nudges right in chat. Commands:",
    },
    "help.show_example": {"ko": "예시 보기", "en": "Show example"},
    "help.example_title": {"ko": "{command} 예시", "en": "Example: {command}"},
    "help.example_body": {
        "ko": "이렇게 입력해 보세요: `{example}`",
        "en": "Try typing: `{example}`",
    },
    "help.back": {"ko": "도움말로 돌아가기", "en": "Back to help"},
    "help.summary": {"ko": "도움말", "en": "Help"},
    "cmd.help.description": {
        "ko": "명령 목록과 사용법을 보여줍니다",
        "en": "List commands and how to use them",
    },
    "cmd.help.usage": {"ko": "help [명령]", "en": "help [command]"},
    "cmd.ping.description": {"ko": "봇이 살아 있는지 확인합니다", "en": "Check that the bot is alive"},
    "cmd.ping.usage": {"ko": "ping", "en": "ping"},
    "cmd.whoami.description": {
        "ko": "봇이 알고 있는 내 정보를 보여줍니다",
        "en": "Show who the bot thinks you are",
    },
    "cmd.whoami.usage": {"ko": "whoami", "en": "whoami"},
    "ping.pong": {"ko": "pong 🏓 ({time})", "en": "pong 🏓 ({time})"},
    "whoami.title": {"ko": "내 정보", "en": "Who you are"},
    "whoami.platform": {"ko": "플랫폼", "en": "Platform"},
    "whoami.user_id": {"ko": "사용자 ID", "en": "User id"},
    "whoami.name": {"ko": "이름", "en": "Name"},
    "whoami.tenant": {"ko": "테넌트/워크스페이스", "en": "Tenant / workspace"},
    "whoami.conversation": {"ko": "대화 ID", "en": "Conversation id"},
    "whoami.locale": {"ko": "언어", "en": "Locale"},
    "whoami.employee": {"ko": "연결된 임직원", "en": "Linked employee"},
    "whoami.not_linked": {"ko": "연결되지 않음", "en": "Not linked"},
}
