"""Strings of deadline nudges."""

MESSAGES: dict[str, dict[str, str]] = {
    "cmd.nudges.description": {
        "ko": "마감이 다가온 내 업무를 보여주고, 마감 알림 설정(켜기/끄기, 아침 시간, 방해 금지, 시간대)을 바꿉니다",
        "en": "Show my tasks that are due, and set deadline nudges (on/off, morning time, quiet hours, timezone)",
    },
    "cmd.nudges.usage": {
        "ko": "nudges [settings …|team <부서> …|roundup <부서> 09:00]",
        "en": "nudges [settings …|team <department> …|roundup <department> 09:00]",
    },
    "nudge.bad_subcommand": {
        "ko": "'{word}'은(는) 알 수 없는 명령입니다. nudges, nudges settings, nudges team, nudges roundup 중에서 골라 주세요.",
        "en": "Unknown subcommand '{word}'. Use nudges, nudges settings, nudges team or nudges roundup.",
    },
    "nudge.card.title": {"ko": "⏰ 마감 알림 {count}건", "en": "⏰ {count} task(s) due"},
    "nudge.list.title": {"ko": "📋 마감이 다가온 내 업무 {count}건", "en": "📋 My tasks due soon: {count}"},
    "nudge.list.empty": {
        "ko": "마감이 다가오거나 지난 업무가 없습니다. 👍",
        "en": "Nothing of yours is due soon or overdue. 👍",
    },
    "nudge.card.more": {
        "ko": "외 {count}건 — `nudges`로 모두 볼 수 있습니다.",
        "en": "{count} more — type `nudges` to see them all.",
    },
    "nudge.field.project": {"ko": "프로젝트", "en": "Project"},
    "nudge.field.due": {"ko": "마감", "en": "Due"},
    "nudge.field.assignee": {"ko": "담당자", "en": "Assignee"},
    "nudge.field.late": {"ko": "지연", "en": "Late by"},
    "nudge.weekdays": {"ko": "월,화,수,목,금,토,일", "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
    "nudge.months": {
        "ko": "1월,2월,3월,4월,5월,6월,7월,8월,9월,10월,11월,12월",
        "en": "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec",
    },
    "nudge.date": {
        "ko": "{month}월 {day}일 ({weekday}) {time}",
        "en": "{weekday}, {month_name} {day} {time}",
    },
    "nudge.rel.today": {"ko": "오늘 마감", "en": "due today"},
    "nudge.rel.tomorrow": {"ko": "내일 마감", "en": "due tomorrow"},
    "nudge.rel.in_days": {"ko": "{n}일 남음", "en": "due in {n} days"},
    "nudge.rel.passed_today": {"ko": "오늘 마감 시간 지남", "en": "past due today"},
    "nudge.rel.overdue_one": {"ko": "1일 지남", "en": "1 day overdue"},
    "nudge.rel.overdue": {"ko": "{n}일 지남", "en": "{n} days overdue"},
    "nudge.late_business_days": {"ko": "영업일 기준 {n}일", "en": "{n} business day(s)"},
    "nudge.button.done": {"ko": "✅ 완료", "en": "✅ Done"},
    "nudge.button.snooze_1h": {"ko": "💤 1시간 뒤", "en": "💤 In 1 hour"},
    "nudge.button.snooze_tomorrow": {"ko": "💤 내일 아침", "en": "💤 Tomorrow morning"},
    "nudge.button.snooze_nextbd": {"ko": "💤 다음 영업일", "en": "💤 Next business day"},
    "nudge.button.open": {"ko": "열기", "en": "Open"},
    "nudge.outcome.done": {"ko": "✅ 완료 처리했습니다.", "en": "✅ Marked as done."},
    "nudge.outcome.snoozed": {
        "ko": "💤 {until}에 다시 알려드립니다.",
        "en": "💤 I'll remind you again {until}.",
    },
    "nudge.close_there": {
        "ko": "이 업무는 {source}에서 직접 완료해 주세요.",
        "en": "Please close this one in {source}.",
    },
    "nudge.close_there_link": {
        "ko": "이 업무는 챗봇에서 완료할 수 없습니다. {source}에서 처리해 주세요: {url}",
        "en": "This task cannot be closed from chat. Please close it in {source}: {url}",
    },
    "nudge.source.dooray": {"ko": "두레이", "en": "Dooray"},
    "nudge.source.planner": {"ko": "Microsoft Planner", "en": "Microsoft Planner"},
    "nudge.source.erp": {"ko": "ERP 결재", "en": "ERP approvals"},
    "nudge.done_ok": {"ko": "'{title}' 업무를 완료 처리했습니다.", "en": "Marked '{title}' as done."},
    "nudge.already_done": {"ko": "이미 완료된 업무입니다.", "en": "That task is already done."},
    "nudge.snoozed_ok": {"ko": "{until}에 다시 알려드릴게요.", "en": "I'll remind you again {until}."},
    "nudge.bad_snooze": {"ko": "알 수 없는 미루기 옵션입니다.", "en": "Unknown snooze option."},
    "nudge.task_gone": {
        "ko": "이 업무를 찾을 수 없습니다. 삭제되었거나 옮겨졌을 수 있습니다.",
        "en": "That task no longer exists; it may have been deleted or moved.",
    },
    "nudge.not_assignee": {
        "ko": "이 업무의 담당자만 완료하거나 미룰 수 있습니다.",
        "en": "Only an assignee of this task can close or snooze it.",
    },
    "nudge.unknown_source": {"ko": "알 수 없는 업무 출처입니다.", "en": "Unknown task source."},
    "nudge.no_target": {
        "ko": "이 대화방을 아직 모릅니다. 봇을 추가한 뒤 다시 시도해 주세요.",
        "en": "I don't know this conversation yet. Add the bot here and try again.",
    },
    "nudge.escalation.title": {
        "ko": "🚨 기한이 지난 팀 업무 {count}건",
        "en": "🚨 {count} overdue team task(s)",
    },
    "nudge.escalation.intro": {
        "ko": "담당자에게 여러 번 알렸지만 아직 완료되지 않은 업무입니다.",
        "en": "The assignees were reminded, but these are still open.",
    },
    "nudge.settings.title": {"ko": "⚙️ 내 마감 알림 설정", "en": "⚙️ My deadline nudges"},
    "nudge.settings.enabled": {"ko": "알림", "en": "Nudges"},
    "nudge.settings.morning": {"ko": "아침 알림 시각", "en": "Morning time"},
    "nudge.settings.quiet_start": {"ko": "방해 금지 시간", "en": "Quiet hours"},
    "nudge.settings.quiet_weekends": {"ko": "주말·공휴일", "en": "Weekends & holidays"},
    "nudge.settings.timezone": {"ko": "시간대", "en": "Timezone"},
    "nudge.settings.on": {"ko": "켜짐", "en": "on"},
    "nudge.settings.off": {"ko": "꺼짐", "en": "off"},
    "nudge.settings.quiet_none": {"ko": "없음", "en": "none"},
    "nudge.settings.weekends_quiet": {"ko": "보내지 않음", "en": "nothing sent"},
    "nudge.settings.weekends_sent": {"ko": "보냄", "en": "sent"},
    "nudge.settings.origin_mine": {"ko": "내 설정", "en": "mine"},
    "nudge.settings.origin_team": {"ko": "팀 기본값", "en": "team default"},
    "nudge.settings.origin_default": {"ko": "회사 기본값", "en": "company default"},
    "nudge.settings.help": {
        "ko": "바꾸려면: nudges settings on|off · morning 08:30 · quiet 19:00-08:00 (또는 quiet off) · "
        "weekends on|off · timezone Asia/Seoul · reset",
        "en": "To change: nudges settings on|off · morning 08:30 · quiet 19:00-08:00 (or quiet off) · "
        "weekends on|off · timezone Asia/Seoul · reset",
    },
    "nudge.settings.unknown_word": {
        "ko": "'{word}'을(를) 이해하지 못했습니다.",
        "en": "I don't understand '{word}'.",
    },
    "nudge.settings.missing_value": {
        "ko": "'{word}' 뒤에 값을 적어 주세요.",
        "en": "Give a value after '{word}'.",
    },
    "nudge.settings.bad_morning": {
        "ko": "'{value}'은(는) 올바른 시각(HH:MM)이 아닙니다.",
        "en": "'{value}' is not a time (HH:MM).",
    },
    "nudge.settings.bad_quiet": {
        "ko": "방해 금지 시간은 19:00-08:00 처럼 적어 주세요 ('{value}').",
        "en": "Write quiet hours like 19:00-08:00 ('{value}').",
    },
    "nudge.settings.bad_weekends": {
        "ko": "weekends on 또는 weekends off 로 적어 주세요.",
        "en": "Use weekends on or weekends off.",
    },
    "nudge.settings.bad_timezone": {
        "ko": "'{value}'은(는) 알 수 없는 시간대입니다 (예: Asia/Seoul).",
        "en": "Unknown timezone '{value}' (e.g. Asia/Seoul).",
    },
    "nudge.team.title": {
        "ko": "⚙️ {department} 팀 마감 알림 기본값",
        "en": "⚙️ Nudge defaults of {department}",
    },
    "nudge.team.usage": {
        "ko": "nudges team <부서코드> [on|off] [morning 09:00] [quiet 19:00-08:00] [escalate here|off]",
        "en": "nudges team <department code> [on|off] [morning 09:00] [quiet 19:00-08:00] [escalate here|off]",
    },
    "nudge.team.unknown_department": {
        "ko": "'{department}' 부서를 찾을 수 없습니다.",
        "en": "No department '{department}'.",
    },
    "nudge.team.forbidden": {
        "ko": "팀 기본값은 관리자나 해당 부서장만 바꿀 수 있습니다.",
        "en": "Only admins and the department's head can change team defaults.",
    },
    "nudge.team.channel_only": {
        "ko": "이 명령은 팀 채널에서 실행해 주세요.",
        "en": "Run this in the team's channel.",
    },
    "nudge.team.escalation_here": {
        "ko": "기한 초과 업무는 지정된 팀 채널로 보고됩니다.",
        "en": "Overdue tasks are escalated to the team's channel.",
    },
    "nudge.team.escalation_none": {
        "ko": "기한 초과 업무는 담당자의 관리자에게 보고됩니다.",
        "en": "Overdue tasks are escalated to the assignee's manager.",
    },
    "nudge.roundup.usage": {
        "ko": "nudges roundup <부서코드> <시각> · nudges roundup off [번호]",
        "en": "nudges roundup <department code> <time> · nudges roundup off [id]",
    },
    "nudge.roundup.added": {
        "ko": "영업일마다 {at}에 {department} 팀의 오늘 마감·기한 초과 업무를 이 채널에 올립니다. (#{id})",
        "en": "Every business day at {at} I'll post {department}'s tasks due today and overdue here. (#{id})",
    },
    "nudge.roundup.stopped": {"ko": "요약 {count}건을 중지했습니다.", "en": "Stopped {count} roundup(s)."},
    "nudge.roundup.none": {"ko": "이 채널에는 마감 요약이 없습니다.", "en": "This channel has no roundup."},
    "nudge.roundup.list_title": {"ko": "이 채널의 마감 요약", "en": "Roundups in this channel"},
    "nudge.roundup.title": {
        "ko": "📅 {department} 마감 현황 ({today})",
        "en": "📅 {department} deadlines ({today})",
    },
    "nudge.roundup.today": {"ko": "오늘 마감 {count}건", "en": "Due today: {count}"},
    "nudge.roundup.overdue": {"ko": "기한 초과 {count}건", "en": "Overdue: {count}"},
    "nudge.roundup.empty": {
        "ko": "오늘 마감이거나 기한이 지난 업무가 없습니다. 👍",
        "en": "Nothing due today or overdue. 👍",
    },
}
