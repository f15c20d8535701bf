"""Strings of identity linking: link, unlink, whoami's employee."""

MESSAGES: dict[str, dict[str, str]] = {
    "cmd.link.description": {
        "ko": "채팅 계정을 임직원(이메일 또는 사번)과 연결합니다",
        "en": "Link your chat account to an employee (email or employee no.)",
    },
    "cmd.link.usage": {"ko": "link <이메일 또는 사번>", "en": "link <email or employee no>"},
    "cmd.unlink.description": {
        "ko": "임직원 연결을 해제합니다",
        "en": "Remove the link to your employee record",
    },
    "cmd.unlink.usage": {"ko": "unlink", "en": "unlink"},
    "link.missing_argument": {
        "ko": "이메일 또는 사번을 입력해 주세요",
        "en": "give an email or an employee number",
    },
    "link.no_such_employee": {
        "ko": "'{query}'에 해당하는 임직원이 없습니다",
        "en": "no employee matches '{query}'",
    },
    "link.confirm_title": {"ko": "이 임직원과 연결할까요?", "en": "Link to this employee?"},
    "link.confirm": {"ko": "연결", "en": "Link"},
    "link.cancel": {"ko": "취소", "en": "Cancel"},
    "link.cancelled": {"ko": "연결을 취소했습니다.", "en": "Linking cancelled."},
    "link.done": {
        "ko": "{name} ({employee_no}, {department}) 님으로 연결되었습니다.",
        "en": "You are now linked to {name} ({employee_no}, {department}).",
    },
    "link.already": {
        "ko": "이미 {employee_no}(으)로 연결되어 있습니다. 먼저 `unlink` 하세요.",
        "en": "You are already linked to {employee_no}. Run `unlink` first.",
    },
    "link.email_mismatch": {
        "ko": "채팅 계정의 이메일({chat_email})이 이 임직원의 이메일과 다릅니다. 보안을 위해 관리자에게 연결을 요청하세요.",
        "en": "Your chat account's email ({chat_email}) differs from this employee's. For security, ask an administrator to link you.",
    },
    "link.not_yours": {
        "ko": "다른 사람의 확인 버튼입니다.",
        "en": "This confirmation belongs to someone else.",
    },
    "link.taken": {
        "ko": "이 임직원은 이미 다른 채팅 계정과 연결되어 있습니다.",
        "en": "That employee is already linked to another chat account.",
    },
    "link.unlinked": {"ko": "연결을 해제했습니다.", "en": "Your link was removed."},
    "link.not_linked": {"ko": "연결된 임직원이 없습니다.", "en": "You were not linked."},
    "link.field.name": {"ko": "이름", "en": "Name"},
    "link.field.employee_no": {"ko": "사번", "en": "Employee no."},
    "link.field.department": {"ko": "부서", "en": "Department"},
    "link.field.email": {"ko": "이메일", "en": "Email"},
    "link.unknown_email": {"ko": "알 수 없음", "en": "unknown"},
}
