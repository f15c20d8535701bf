"""Demo data: three projects of ~20 Korean-titled tasks each, due from 10 days ago to 20 days ahead.

Deterministic for a given (`today`, `members`, `rng_seed`). Every project gets at least one open
task due tomorrow, one overdue open task, one overdue closed task and one task without a due date.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from adapters.groupware.demo.schema import DATA_TABLES, create_schema

Member = tuple[str, str, str]  # (member id, name, email)
DEMO_TZ = ZoneInfo("Asia/Seoul")

DEFAULT_MEMBERS: tuple[Member, ...] = (
    ("3918200000000000101", "김민준", "minjun.kim@hanbit.example"),
    ("3918200000000000102", "이서연", "seoyeon.lee@hanbit.example"),
    ("3918200000000000103", "박지훈", "jihoon.park@hanbit.example"),
    ("3918200000000000104", "최수아", "sua.choi@hanbit.example"),
    ("3918200000000000105", "정우진", "woojin.jung@hanbit.example"),
    ("3918200000000000106", "강하은", "haeun.kang@hanbit.example"),
    ("3918200000000000107", "조현우", "hyunwoo.cho@hanbit.example"),
    ("3918200000000000108", "윤지아", "jia.yoon@hanbit.example"),
    ("3918200000000000109", "장도윤", "doyun.jang@hanbit.example"),
    ("3918200000000000110", "임서준", "seojun.lim@hanbit.example"),
)

# (project code, description, subjects)
PROJECTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("2026-하반기-신제품-출시", "2026 하반기 신제품 출시", (
        "제품 사양서 최종 검토", "출시 일정표 확정", "패키지 디자인 시안 승인",
        "KC 인증 서류 제출", "초도 생산 물량 확정", "유통 채널 입점 협의",
        "보도자료 초안 작성", "런칭 행사 장소 섭외", "온라인 상세페이지 제작",
        "사용 설명서 번역 검수", "가격 정책 승인 요청", "판매 교육 자료 준비",
        "베타 테스트 피드백 정리", "A/S 정책 수립", "광고 소재 촬영",
        "SNS 캠페인 일정 수립", "물류 창고 입고 계획", "경쟁사 가격 조사",
        "출시 후 KPI 정의", "협력사 계약서 검토",
    )),
    ("ERP-고도화", "ERP 고도화", (
        "구매 모듈 요구사항 정의", "전자결재 연동 API 설계", "재고 이동 화면 개선",
        "권한 관리 체계 정비", "데이터 마이그레이션 리허설", "마감 배치 성능 개선",
        "사용자 교육 일정 수립", "회계 테스트 시나리오 작성", "모바일 승인 화면 검수",
        "인터페이스 오류 로그 분석", "거래처 마스터 정비", "보고서 쿼리 튜닝",
        "운영 서버 패치 계획", "SSO 연동 점검", "예산 통제 로직 검증",
        "부서 코드 재정비", "영업 실적 대시보드 개발", "UAT 결과 정리",
        "전환 체크리스트 작성", "개발 산출물 인수인계",
    )),
    ("연말-결산", "연말 결산", (
        "12월 매출 마감", "미지급금 잔액 확인", "재고 실사 계획 수립",
        "고정자산 감가상각 검토", "법인카드 사용 내역 정리", "부가세 신고 자료 준비",
        "연차 충당금 계산", "외화 환산 평가", "감사인 요청 자료 제출",
        "매출채권 연령 분석", "비용 귀속 시기 점검", "내부거래 대사",
        "급여 연말정산 안내", "예산 대비 실적 분석", "결산 일정 공지",
        "계정과목 잔액 검증", "선급비용 정리", "충당부채 검토",
        "이사회 보고 자료 작성", "세무 조정 계산서 검토",
    )),
)  # fmt: skip

WORKFLOWS = (
    ("대기", "backlog", 0),
    ("할 일", "registered", 100),
    ("진행 중", "working", 200),
    ("완료", "closed", 400),
)
# (due offset in days or None, forced workflow class) for the first tasks of every project
_FIXED = ((1, "registered"), (1, "working"), (-3, "working"), (-5, "closed"), (None, "registered"))


def is_seeded(db_path: str) -> bool:
    """Whether `seed` would leave the database alone with reset=False (tables created if missing, as
    `seed` does), so that a caller can skip gathering the members when they would not be used."""
    with closing(sqlite3.connect(db_path)) as conn, conn:
        create_schema(conn)
        return conn.execute("SELECT 1 FROM meta WHERE key = 'seeded'").fetchone() is not None


def seed(
    db_path: str,
    *,
    today: date,
    members: Sequence[Member] | None = None,
    rng_seed: int = 42,
    reset: bool = True,
) -> bool:
    """Fill the demo database. With reset=False an already seeded database is left alone.

    Returns True when data was written.
    """
    chosen = list(members or DEFAULT_MEMBERS)
    if not chosen:
        raise ValueError("the demo groupware needs at least one member")
    rng = random.Random(rng_seed)
    with sqlite3.connect(db_path) as conn:
        create_schema(conn)
        if not reset and conn.execute("SELECT 1 FROM meta WHERE key = 'seeded'").fetchone():
            return False
        for table in DATA_TABLES:
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        conn.executemany(
            "INSERT INTO members (id, name, email, user_code) VALUES (?, ?, ?, ?)",
            [(mid, name, email, email.split("@")[0]) for mid, name, email in chosen],
        )
        ids = _IdMaker(rng)
        for code, description, subjects in PROJECTS:
            _seed_project(conn, rng, ids, today, chosen, code, description, subjects)
        meta = {"seeded": today.isoformat(), "rng_seed": str(rng_seed), "members": json.dumps(chosen)}
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", list(meta.items()))
    return True


def reseed(db_path: str, *, today: date | None = None) -> bool:
    """Seed again with the members and rng seed used last time; `today` defaults to today in Seoul."""
    with sqlite3.connect(db_path) as conn:
        create_schema(conn)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    members = (
        [(str(m[0]), str(m[1]), str(m[2])) for m in json.loads(meta["members"])]
        if "members" in meta
        else None
    )
    when = today or datetime.now(DEMO_TZ).date()
    return seed(db_path, today=when, members=members, rng_seed=int(meta.get("rng_seed", "42")))


class _IdMaker:
    """Dooray-looking 19-digit ids, unique and reproducible."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def __call__(self) -> str:
        while True:
            candidate = str(self._rng.randrange(3_000_000_000_000_000_000, 4_500_000_000_000_000_000))
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate


def _seed_project(
    conn: sqlite3.Connection,
    rng: random.Random,
    ids: _IdMaker,
    today: date,
    members: list[Member],
    code: str,
    description: str,
    subjects: tuple[str, ...],
) -> None:
    project_id = ids()
    conn.execute(
        "INSERT INTO projects (id, code, description) VALUES (?, ?, ?)", (project_id, code, description)
    )
    workflows: dict[str, str] = {}
    for name, cls, order in WORKFLOWS:
        workflows[cls] = ids()
        conn.execute(
            "INSERT INTO workflows (id, project_id, name, class, ord) VALUES (?, ?, ?, ?, ?)",
            (workflows[cls], project_id, name, cls, order),
        )
    for number, subject in enumerate(subjects, start=1):
        offset, cls = _FIXED[number - 1] if number <= len(_FIXED) else _random_plan(rng)
        due_ts = None
        if offset is not None:
            due_ts = int(datetime.combine(today + timedelta(days=offset), time(18, 0), DEMO_TZ).timestamp())
        created = datetime.combine(today - timedelta(days=rng.randint(12, 40)), time(9, 30), DEMO_TZ)
        updated = min(
            created + timedelta(days=rng.randint(1, 10)), datetime.combine(today, time(8, 0), DEMO_TZ)
        )
        post_id = ids()
        row = {
            "id": post_id,
            "project_id": project_id,
            "number": number,
            "subject": subject,
            "body": f"{description}: {subject}",
            "priority": rng.choice(("none", "normal", "high")),
            "due_ts": due_ts,
            "due_date_flag": int(offset is not None),
            "workflow_id": workflows[cls],
            "from_member_id": rng.choice(members)[0],
            "created_ts": int(created.timestamp()),
            "updated_ts": int(updated.timestamp()),
        }
        conn.execute(
            f"INSERT INTO posts ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})",  # noqa: S608
            row,
        )
        assignees = rng.sample(members, k=min(len(members), 2 if rng.random() < 0.2 else 1))
        conn.executemany(
            "INSERT INTO post_to (post_id, member_id, workflow_id) VALUES (?, ?, ?)",
            [(post_id, member[0], workflows[cls]) for member in assignees],
        )


def _random_plan(rng: random.Random) -> tuple[int | None, str]:
    offset = rng.randint(-10, 20)
    done_chance = 0.6 if offset < 0 else 0.15
    if rng.random() < done_chance:
        return offset, "closed"
    return offset, rng.choice(("registered", "registered", "working", "backlog"))
