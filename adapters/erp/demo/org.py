"""The demo company 한빛테크: departments and ~60 employees, generated deterministically."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

COMPANY = "한빛테크"
DOMAIN = "hanbit.example"

# (code, name, parent, members besides the head)
DEPARTMENTS: tuple[tuple[str, str, str | None, int], ...] = (
    ("EXEC", "대표이사실", None, 1),
    ("MGT", "경영지원본부", "EXEC", 0),
    ("MGT-GA", "경영지원팀", "MGT", 4),
    ("MGT-FIN", "재무팀", "MGT", 4),
    ("MGT-HR", "인사팀", "MGT", 3),
    ("SAL", "영업본부", "EXEC", 0),
    ("SAL-1", "영업1팀", "SAL", 7),
    ("SAL-2", "영업2팀", "SAL", 5),
    ("OPS", "생산본부", "EXEC", 0),
    ("OPS-PRD", "생산팀", "OPS", 7),
    ("OPS-PUR", "구매팀", "OPS", 4),
    ("OPS-QA", "품질관리팀", "OPS", 3),
    ("RND", "기술연구소", "EXEC", 0),
    ("RND-DEV", "연구개발팀", "RND", 8),
)
EXEC_TITLES = {"EXEC": "대표이사", "MGT": "전무", "SAL": "상무", "OPS": "상무", "RND": "이사"}
EXEC_POSITIONS = {"EXEC": "대표이사", "MGT": "본부장", "SAL": "본부장", "OPS": "본부장", "RND": "연구소장"}
MEMBER_TITLES = ("차장", "과장", "과장", "대리", "대리", "주임", "사원", "사원", "사원")
HIRE_YEARS = {
    "대표이사": (1998, 1998), "전무": (2002, 2006), "상무": (2005, 2010), "이사": (2008, 2012),
    "부장": (2008, 2013), "차장": (2011, 2015), "과장": (2014, 2018), "대리": (2018, 2021),
    "주임": (2021, 2023), "사원": (2023, 0),
}  # fmt: skip
FINANCE, HR, PURCHASING = "MGT-FIN", "MGT-HR", "OPS-PUR"
ROLE_BY_DEPT = {FINANCE: "finance", HR: "hr"}

SURNAMES = (
    ("김", "Kim", 21), ("이", "Lee", 15), ("박", "Park", 9), ("최", "Choi", 5), ("정", "Jung", 5),
    ("강", "Kang", 3), ("조", "Cho", 3), ("윤", "Yoon", 3), ("장", "Jang", 3), ("임", "Lim", 3),
    ("한", "Han", 2), ("오", "Oh", 2), ("서", "Seo", 2), ("신", "Shin", 2), ("권", "Kwon", 2),
    ("황", "Hwang", 2), ("안", "Ahn", 2), ("송", "Song", 2), ("류", "Ryu", 1), ("홍", "Hong", 1),
)  # fmt: skip
GIVEN = (
    ("민준", "minjun"), ("서준", "seojun"), ("도윤", "doyun"), ("예준", "yejun"), ("시우", "siwoo"),
    ("하준", "hajun"), ("주원", "juwon"), ("지호", "jiho"), ("준우", "junwoo"), ("현우", "hyunwoo"),
    ("건우", "gunwoo"), ("우진", "woojin"), ("민재", "minjae"), ("현준", "hyunjun"), ("정우", "jungwoo"),
    ("승현", "seunghyun"), ("준혁", "junhyuk"), ("지환", "jihwan"), ("승민", "seungmin"), ("성호", "sungho"),
    ("영수", "youngsoo"), ("상훈", "sanghoon"), ("동현", "donghyun"), ("재훈", "jaehoon"),
    ("태현", "taehyun"),
    ("서연", "seoyeon"), ("서윤", "seoyun"), ("서현", "seohyun"), ("민서", "minseo"), ("하은", "haeun"),
    ("하윤", "hayun"), ("윤서", "yunseo"), ("지민", "jimin"), ("채원", "chaewon"), ("수아", "sua"),
    ("지윤", "jiyun"), ("다은", "daeun"), ("은서", "eunseo"), ("예은", "yeeun"), ("수빈", "subin"),
    ("예린", "yerin"), ("지원", "jiwon"), ("수민", "sumin"), ("혜진", "hyejin"), ("미영", "miyoung"),
    ("정민", "jungmin"), ("유진", "yujin"), ("소연", "soyeon"), ("은지", "eunji"), ("현정", "hyunjung"),
)  # fmt: skip
ENGLISH = (
    "Daniel",
    "Chris",
    "Jenny",
    "Grace",
    "David",
    "Sophie",
    "Kevin",
    "Irene",
    "Brian",
    "Claire",
    "Eric",
)


@dataclass
class Person:
    employee_no: str
    name: str
    english_name: str
    email: str
    department: str
    title: str
    position: str
    manager_no: str | None
    hired_on: date
    roles: list[str] = field(default_factory=lambda: ["employee"])


@dataclass
class Org:
    departments: list[tuple[str, str, str | None, str | None, int]]  # code, name, parent, head, depth
    people: list[Person]

    def head_of(self, code: str) -> str | None:
        return next(head for c, _, _, head, _ in self.departments if c == code)

    def members(self, code: str) -> list[Person]:
        return [p for p in self.people if p.department == code]


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()
        self._emails: set[str] = set()

    def new(self) -> tuple[str, str, str]:
        weights = [w for _, _, w in SURNAMES]
        while True:
            surname, roman, _ = self._rng.choices(SURNAMES, weights=weights)[0]
            given, given_roman = self._rng.choice(GIVEN)
            if surname + given not in self._used:
                break
        self._used.add(surname + given)
        first = self._rng.choice(ENGLISH) if self._rng.random() < 0.25 else given_roman.capitalize()
        local = f"{given_roman}.{roman.lower()}"
        email, n = f"{local}@{DOMAIN}", 1
        while email in self._emails:
            n += 1
            email = f"{local}{n}@{DOMAIN}"
        self._emails.add(email)
        return surname + given, f"{first} {roman}", email


def build_org(today: date, rng: random.Random) -> Org:
    """The whole company: heads first, so managers are known when members are made."""
    names = _Names(rng)
    counters: dict[int, int] = {}
    depth = {"EXEC": 0}
    heads: dict[str, str] = {}
    people: list[Person] = []

    def hire(title: str) -> tuple[str, date]:
        low, high = HIRE_YEARS[title]
        year = rng.randint(low, high or today.year)
        hired = date(year, 1, 2) + timedelta(days=rng.randint(0, 360))
        hired = min(hired, today - timedelta(days=rng.randint(10, 40)))
        counters[hired.year] = counters.get(hired.year, 0) + 1
        return f"{hired.year}{counters[hired.year]:03d}", hired

    def person(dept: str, title: str, position: str, manager: str | None) -> Person:
        name, english, email = names.new()
        no, hired = hire(title)
        p = Person(no, name, english, email, dept, title, position, manager, hired)
        people.append(p)
        return p

    for code, _, parent, extra in DEPARTMENTS:
        depth[code] = 0 if parent is None else depth[parent] + 1
        manager = heads.get(parent) if parent else None
        if code in EXEC_TITLES:
            head = person(code, EXEC_TITLES[code], EXEC_POSITIONS[code], manager)
            head.roles.append("executive")
        else:
            head = person(code, rng.choice(("부장", "부장", "차장")), "팀장", manager)
            head.roles.append("manager")
        heads[code] = head.employee_no
        for i in range(extra):
            title = "과장" if code == "EXEC" else MEMBER_TITLES[i % len(MEMBER_TITLES)]
            person(code, title, "비서" if code == "EXEC" else "", head.employee_no)
    for p in people:
        if p.department in ROLE_BY_DEPT:
            p.roles.append(ROLE_BY_DEPT[p.department])
    # The 경영지원팀 차장 runs the ERP and the bot.
    next(p for p in people if p.department == "MGT-GA" and p.title == "차장").roles.append("admin")
    departments: list[tuple[str, str, str | None, str | None, int]] = [
        (c, n, parent, heads[c], depth[c]) for c, n, parent, _ in DEPARTMENTS
    ]
    return Org(departments, people)
