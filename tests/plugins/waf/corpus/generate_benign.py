#!/usr/bin/env python3
"""Write the benign_*.txt files: record data a PraxCloud tenant stores, which the WAF must pass.

    python3 -m venv /tmp/waf-research/venv
    /tmp/waf-research/venv/bin/pip install faker==40.63.0
    /tmp/waf-research/venv/bin/python generate_benign.py [--out DIR]

benign_http.txt holds header values, paths and query strings of ordinary browser and API
requests: written by hand, plus the User-Agent list that sqlmap ships (data/txt/user-agents.txt,
read from --src as fetch_sources.sh lays it out; skipped with a warning if absent) and Faker's
user_agent().

Two parts per file: lines written by hand (the hard cases the issue names: apostrophes and name
particles, SQL words in plain English, code-like notes, paths, URLs, markdown) and lines made by
Faker 40.63.0 in many locales with fixed seeds (names, e-mails, phone numbers, addresses, text).
Another Faker version gives other lines; the files in git are the reference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FAKER_VERSION = "40.63.0"
SEED = 2026

# Locales for names, phones and addresses (Latin and non-Latin scripts).
LOCALES = [
    "en_US",
    "en_GB",
    "en_IE",
    "ga_IE",
    "nl_NL",
    "nl_BE",
    "de_DE",
    "fr_FR",
    "it_IT",
    "es_ES",
    "pt_BR",
    "pl_PL",
    "cs_CZ",
    "tr_TR",
    "da_DK",
    "fi_FI",
    "hu_HU",
    "ro_RO",
    "el_GR",
    "ru_RU",
    "uk_UA",
    "bg_BG",
    "ar_AA",
    "he_IL",
    "fa_IR",
    "hi_IN",
    "bn_BD",
    "th_TH",
    "vi_VN",
    "zh_CN",
    "zh_TW",
    "ja_JP",
    "ko_KR",
    "ka_GE",
    "hy_AM",
]
# Locales whose lorem provider writes words of that language.
TEXT_LOCALES = [
    "nl_NL",
    "de_DE",
    "it_IT",
    "pl_PL",
    "cs_CZ",
    "el_GR",
    "ru_RU",
    "uk_UA",
    "ar_AA",
    "he_IL",
    "fa_IR",
    "hy_AM",
    "th_TH",
    "vi_VN",
    "zh_CN",
    "zh_TW",
    "ja_JP",
    "bn_BD",
]

NAMES = """\
Seán O'Brien
Siobhán O’Brien
Conor O'Neill-Murphy
Anne-Marie D'Angelo
Luca D'Alessandro
Pierre d'Artagnan
Jeanne d'Arc-Dupont
Fatou N'Diaye
Moussa N’Dour
Willem van 't Hek
Joris van 't Zand
Anja van der Berg
Pieter de Vries-van den Broek
Els 't Hooft
Maria de la Cruz
José María García-López
Juan Carlos de los Santos y Ruiz
Ludwig van Beethoven
Karl-Heinz von Müller zu Hohenstein
Zoë Ünal
Şükrü Öztürk
Çağla Ağaoğlu
Łukasz Żółć
Grzegorz Brzęczyszczykiewicz
Ørjan Ødegård
Søren Kierkegaard
Björk Guðmundsdóttir
Ólafur Þórðarson
Nguyễn Thị Minh Khai
Trần Văn Đức
Ngāi Tahu Te Rangi
Kealoha Ka'ahumanu
Ma'ayan Ben-David
Or Cohen
Ami Or
Ta'mar Levi
Aisha Al-Hassan
Mohammed bin Abdullah Al-Saud
Abdul-Rahman ibn Khalid
Dr. Sarah O'Connor-Smith, PhD
Smith, John (Jr.)
John "Jack" Kennedy
Mr. & Mrs. O'Hara
Mary-Kate & Ashley Olsen
Jennifer Null
Christopher Null
Lisa Drop
Ann Select
Mark Union
Bobby Tables
X Æ A-12
Ἀριστοτέλης Παπαδόπουλος
Γιώργος Παπαδημητρίου
Ελένη Κωνσταντίνου
Дмитрий Иванович Менделеев
Анна-Мария Петрова
Олександр Шевченко
محمد عبد الله
فاطمة الزهراء بن علي
יעקב אבן-שושן
שרה בת-אל
张伟
欧阳娜娜
山田 太郎
佐藤・花子
김민준
राहुल शर्मा
प्रिया देसाई
สมชาย ใจดี
გიორგი ბერიძე
Արամ Խաչատրյան
"""

CONTACT = """\
o'brien@example.ie
seán.o'brien@example.ie
j.d'angelo+school@example.it
first.last+newsletter@sub.example.co.uk
"john doe"@example.org
mary_o-hara@example-school.nl
info@van-t-hek.nl
müller@beispiel.de
用户@例子.广告
почта@пример.рф
admin@localhost
noreply+2026-12@example.com
+31 (0)20 123 4567
+31 20 123 45 67
020-1234567
06-12345678
06 1234 5678
+32 2 555 12 12
+44 20 7946 0958
+44 (0)7700 900123
(555) 123-4567 ext. 12
555.123.4567 x89
+1-800-FLOWERS
1-800-356-9377
+49 30 12345678
+49 (0) 171 / 123 45 67
+33 1 23 45 67 89
+39 06 1234 5678
+90 (212) 555 12 34
+48 22 123 45 67
+7 (495) 123-45-67
+30 210 123 4567
+972-3-123-4567
+966 11 123 4567
+86 10 1234 5678
+81 3-1234-5678
+82 2-123-4567
+91 98765 43210
+66 2 123 4567
tel:+31201234567
0031 20 123 4567; ask for room 2B
https://www.example.org/
https://school.example/forms?id=12&type=consent
https://www.google.com/maps?q=Kerkstraat+12,+Utrecht&hl=nl
https://example.com/path/to/page.html#section-2
http://intranet.local:8080/care/plan?student=4711&view=full
www.example.com/o'brien
https://nl.wikipedia.org/wiki/'s-Hertogenbosch
https://de.wikipedia.org/wiki/M%C3%BCnchen
mailto:o'brien@example.ie?subject=Meeting%20Tuesday
"""

ADDRESSES = """\
Kerkstraat 12, 5211 KH 's-Hertogenbosch
Markt 1, 's-Gravenhage
Hoofdweg 7-II, 1058 BA Amsterdam
Jan van 't Hoffstraat 3, Rotterdam
Rue de l'Église 4, 75001 Paris
Via dell'Orso 23, 00186 Roma
Calle de O'Donnell 34, 28009 Madrid
O'Connell Street Upper 12, Dublin 1, D01 F5P2
Apt #4B, 350 5th Ave, New York, NY 10118
P.O. Box 123, Anytown, CA 94000
c/o Mrs. D'Souza, Flat 3/2, 12 Hill St, Glasgow G3 6RN
1/23 Smith St, Fitzroy VIC 3065
Straße des 17. Juni 135, 10623 Berlin
ul. Marszałkowska 84/92 lok. 101, 00-514 Warszawa
İstiklal Cd. No:12 D:3, Beyoğlu/İstanbul
Λεωφ. Βασιλίσσης Σοφίας 12, 106 74 Αθήνα
ул. Тверская, д. 7, кв. 15, Москва, 125009
شارع الملك فهد، الرياض 12345
רחוב הרצל 15, תל אביב-יפו
北京市朝阳区建国路88号 SOHO现代城 2号楼 1203室
〒100-0005 東京都千代田区丸の内1丁目9-1
서울특별시 중구 세종대로 110
नई दिल्ली, कनॉट प्लेस, ब्लॉक ए-12
123/45 ถนนสุขุมวิท แขวงคลองเตย กรุงเทพฯ 10110
"""

NOTES = """\
Mother will call back after 15:00; father is abroad until Friday.
Allergies: nuts, penicillin; latex (mild). Epipen in the office – top drawer.
Met with the parents on 12/03. Agreed: extra reading support (2x per week), review in January.
He said "I'll be there at nine" -- and arrived at 9:40.
She's doing well; grades up from 5.5 to 7.8!
Note to self: ask Mr. O'Neill about the field trip (cost: €12.50 p.p.).
Medication: paracetamol 500 mg @ 14:00, temperature 38.5 °C; parents informed.
Transport: bus #12 → school; pick-up by grandma (Mon/Wed/Fri).
Room 2.14 is unavailable; use 3.01 instead (key at reception).
Q&A session at 3 pm; tea & biscuits provided.
Reminder: consent forms due by 2026-12-15 (see e-mail of 1 Dec).
Client prefers to be addressed as "Mx. Taylor".
Hearing aid battery replaced (size 312); next check-up in 6 weeks.
Diet: vegetarian, no pork; halal meals on Thursdays.
Behaviour plan v2 – agreed with the team on Tuesday; see attached PDF.
Progress: reading level B → C; maths still below target (needs 1:1 help).
Emergency contact changed: aunt (Mrs. D'Souza), 06-98765432.
Absent 3–5 Dec (flu), doctor's note received.
Speech therapy: 30 min/week, Tuesdays 10:15–10:45.
Asked for a quiet room during exams; approved by the exam board.
De moeder belt terug na 15:00; vader is op zakenreis t/m vrijdag.
Leerling heeft 's ochtends vaak hoofdpijn – ouders ingelicht, huisarts gebeld.
Afspraak met mevr. Van 't Hek verzet naar do. 11 dec., 14.30 uur.
Zorgplan besproken; volgende evaluatie over 6 weken (zie verslag).
Schüler hat „Probleme“ mit Mathe – Elterngespräch am Do., 14 Uhr.
Bitte Attest bis Freitag nachreichen; sonst unentschuldigt.
L'élève n'a pas rendu son devoir ; prévenir l'enseignant d'anglais.
Rendez-vous avec Mme d'Almeida le 12/12 à 9h30 (salle 104).
¿Puede traer el certificado médico? ¡Gracias!
La reunión con la familia será el martes a las 10:00; traer el informe.
L'appuntamento è confermato per l'11/12 alle 9:30.
Non dimenticare: autorizzazione dei genitori entro venerdì.
Não esquecer: autorização dos pais até sexta-feira.
Uczeń był nieobecny w dniach 3–5 grudnia; usprawiedliwienie dostarczone.
Rozmowa z rodzicami: środa, godz. 16:00 (sala 12).
Öğrencinin velisi ile görüşüldü; ilaç saatleri: 08:00 ve 20:00.
Veli toplantısı Cuma günü saat 14:00'te yapılacak.
Η μητέρα θα έρθει την Τρίτη· φέρνει το πιστοποιητικό υγείας.
Ο μαθητής χρειάζεται επιπλέον βοήθεια στα μαθηματικά (2 ώρες/εβδομάδα).
Родители просили позвонить после 18:00; телефон: +7 (495) 123-45-67.
Ученик отсутствовал 3–5 декабря (болезнь), справка предоставлена.
Учень пропустив заняття через хворобу; довідку надано.
يرجى الاتصال بولي الأمر قبل الساعة ٣ مساءً؛ شكراً.
الطالب يحتاج إلى دعم إضافي في القراءة (مرتين في الأسبوع).
ההורים ביקשו פגישה ביום שלישי; להביא את הטופס החתום.
התלמיד נעדר בימים 3–5 בדצמבר (מחלה), אישור רפואי התקבל.
والدین درخواست جلسه در روز سه‌شنبه دارند؛ فرم امضا شده را بیاورید.
家长要求下午三点后联系；请带上签好的同意书。
学生对花生过敏（严重），午餐时请注意！
家長要求下午三點後聯繫；請帶上簽好的同意書。
保護者の方へ：明日の遠足は雨天中止です（詳細はメールで）。
「山田さん」の面談は金曜日１４時～に変更。
학부모 상담은 금요일 오후 2시에 있습니다; 서류를 지참하세요.
अभिभावक से शुक्रवार को मिलना है; दवा का समय: सुबह 8 बजे।
ผู้ปกครองจะมารับเวลา 15:30 น.; กรุณาเตรียมเอกสาร
Phụ huynh sẽ đến đón lúc 4 giờ chiều; nhớ mang theo giấy phép.
მშობლები დარეკავენ ხვალ, 15:00-ის შემდეგ.
Ծնողները կզանգեն վաղը՝ ժամը 15:00-ից հետո։
অভিভাবক শুক্রবার দেখা করবেন; ওষুধ সকাল ৮টায়।
"""

# Legitimate text that looks like an attack to a naive filter.
TRICKY = """\
Please SELECT a date from the dropdown before saving.
Can you drop by tomorrow at 10?
Drop-off at the main entrance; pick-up at the back.
1=1 sessions with the counsellor every Tuesday.
1:1 support agreed; 2:1 during swimming.
Order by surname, then by first name.
Update: insert the new timetable into the blue binder.
Delete the old photos from the shared drive (after the backup).
Union meeting on Friday – staff room, 16:00.
Where's the key? -- ask O'Neill.
Choose 'tea' OR 'coffee' on the form.
Mum said: 'he's fine' -- but check again on Monday.
It's "Room 2B", not 'Room 2-B'.
Available Mon--Fri; note -- urgent!
Script for the drama class: "Hello, my name is..." (act 1, scene 2).
Exec committee meeting – minutes attached.
Meeting | Room 3 | 10:00
Tea & biscuits; coffee & cake.
A/B groups alternate weeks; see schedule v2.
50% off the trip; bring $5 or €5.
Room #12, locker #7; C# and F# courses; C++ next term.
Ctrl+Alt+Del fixed the laptop.
2+2=4, 3*3=9, 10/2=5 – he can do these now.
x = (a + b) / 2
if (score < 3) { call the parents; } else { note it; }
for (i = 0; i < 10; i++) sum += i;
Temperature > 38 => call the doctor; < 36 => check again.
a < b and b > c
I <3 this class!
<3 thanks for the help :-)
Use the arrows: <- back, -> next.
**Important:** bring the [consent form](https://example.org/consent) on Monday.
- [ ] call GP
- [x] e-mail sent to parents
# Heading: term 2 goals
> quoted from the report: "needs more focus"
Copy `notes.txt` to the team folder.
Markdown table: | name | mark |
JSON from the old system: {"shoe_size": 38, "t-shirt": "M"}
["red", "green"]
File is at C:\\Users\\j.devries\\Documents\\IEP 2026.docx
Saved under \\\\fileserver\\care\\plans\\2026\\
Path on the old server: /home/students/2026/reports
See ../shared/plan.pdf (relative to the team folder).
She typed "SELECT * FROM pupils" in her IT exam – full marks.
Module 3: SQL basics – SELECT, INSERT, UPDATE and DELETE statements.
IT lesson 4: `ls -la` and `cd ..` in the terminal.
Lesson plan: <b>bold</b> and <i>italic</i> tags in HTML basics.
He wrote <script> in his web design homework; good progress.
Use alert() sparingly in JavaScript exercises.
The word "OR" in the search box means either term.
Email me: a.b@example.nl; phone: 06-12345678.
Password hint removed from the notes (policy).
She said she'd "sleep on it" and call back.
Waitfor the bus; delay expected 5 min.
Benchmark test results: 87/100.
Sleep schedule: 21:00–07:00; nap 13:00 (1 h).
Char(ity) run on Saturday!
Version 1.0.3; build 2026-12-07T10:00:00+01:00.
Notes from 12/07/2026 09:30:15 - call went well.
Costs: €1.234,56 (incl. VAT); invoice #2026-0012.
Q: what's 1+1? A: 2 ;-)
Hello!!! ??? ... ;;; ::: ---
Tags: #school, #care, @mention
Sign: ~~~ Jan ~~~
Grade: B+; teacher's comment: "excellent, keep it up!"
He's 'the quiet one' in class – but not on the football pitch.
Is 5 > 3? Yes. Is 'a' = 'a'? Also yes.
Office hours 9-5; lunch 12-1; closed on 25/12 & 26/12.
Parent's e-mail: o'brien@example.ie (not o'brien@example.com!)
URL: https://example.org/search?q=o%27brien&page=2
Ask Dr. O'Reilly whether the 1=1 schedule can continue.
The group is called "Select Choir" (Thursdays).
Uninstall Office, then reinstall – IT ticket #4471.
Printer error: "Paper jam in tray 2; open door B".
Bring shoes/socks/towel (swimming).
Half-day on Wed.; full day Thu./Fri.
'Hertogenbosch or 's-Hertogenbosch? Both are used.
Carry-over: 3 hrs; total = 12 hrs.
echo of the teacher's words: "be kind".
She & her brother (both in grade 4) are new.
Dinner: fish & chips; dessert: apple pie.
Write 1 < x < 10 on the board.
"""


HTTP = (
    """\
text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8
application/json, text/plain, */*
application/json;charset=UTF-8
nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7
de-DE,de;q=0.9,en;q=0.5
zh-CN,zh;q=0.9,en;q=0.8
ar-SA,ar;q=0.9,en-US;q=0.7
gzip, deflate, br, zstd
no-cache
max-age=0
keep-alive
multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW
application/x-www-form-urlencoded; charset=UTF-8
praxcloud_session=Zm9vYmFyYmF6cXV4LTEyMzQ1Njc4OTA; csrf_token=9f86d081884c7d659a2feaa0c55ad015
_ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000; consent={"analytics":false}
Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."""
    """dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U
Basic ZGVtbzpzZWNyZXQ=
"Chromium";v="128", "Not;A=Brand";v="24", "Google Chrome";v="128"
?0
"Windows"
W/"5e15153d-120f"
Wed, 21 Oct 2026 07:28:00 GMT
203.0.113.7, 10.0.0.1
for=192.0.2.60;proto=https;by=203.0.113.43
https://praxcloud.example/demo/records?page=2&sort=-updated_at
https://praxcloud.example/demo/login?next=%2Fdemo%2Frecords%2F4711
/demo/records/4711/edit
/api/v1/demo/records?q=o%27brien&page=2
/api/v1/demo/records/4711
/api/v1/openapi.json
/static/css/console.css?v=1.2.3
/demo/records/export.csv?fields=name,email,phone
/platform/tenants/demo/settings#waf
sort=-updated_at&filter[status]=active
fields=name,email,phone&date_from=2026-01-01&date_to=2026-12-31
q=van+%27t+Hek&page=1
next=/demo/records/4711&lang=nl
{"name": "Seán O'Brien", "notes": "drop by tomorrow; SELECT a date"}
{"phone": "+31 (0)20 123 4567", "email": "o'brien@example.ie"}
"""
)


def http_lines(src: Path, seed: int = SEED) -> list[str]:
    from faker import Faker

    out = []
    ua = src / "sqlmap/sqlmap/data/txt/user-agents.txt"
    if ua.exists():
        out += [
            x
            for x in ua.read_text(encoding="utf-8").splitlines()
            if x.strip() and not x.startswith("#")
        ]
    else:
        print(
            f"warning: {ua} missing (run fetch_sources.sh), "
            "benign_http.txt without sqlmap's user agents",
            file=sys.stderr,
        )
    f = Faker("en_US")
    f.seed_instance(seed)
    out += [f.user_agent() for _ in range(60)]
    return out


def faker_lines(seed: int = SEED, scale: int = 1) -> dict[str, list[str]]:
    import faker
    from faker import Faker

    if faker.VERSION != FAKER_VERSION:
        print(
            f"warning: faker {faker.VERSION}, the files were made with {FAKER_VERSION}",
            file=sys.stderr,
        )
    out: dict[str, list[str]] = {"names": [], "contact": [], "addresses": [], "notes": []}
    for i, loc in enumerate(LOCALES):
        f = Faker(loc)
        f.seed_instance(seed + i)
        out["names"].extend(f.name() for _ in range(6 * scale))
        out["contact"].extend(f.phone_number() for _ in range(3 * scale))
        out["contact"].extend(f.email() for _ in range(2 * scale))
        out["addresses"].extend(f.address().replace("\n", ", ") for _ in range(3 * scale))
    for i, loc in enumerate(TEXT_LOCALES):
        f = Faker(loc)
        f.seed_instance(seed + 100 + i)
        out["notes"].extend(f.text(max_nb_chars=200).replace("\n", " ") for _ in range(5 * scale))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    ap.add_argument(
        "--heldout",
        type=Path,
        help="write only Faker lines of another seed (2027), 4x as many, here",
    )
    ap.add_argument(
        "--src",
        type=Path,
        default=Path("/tmp/waf-research/src"),
        help="where fetch_sources.sh put the packages",
    )
    args = ap.parse_args()
    if args.heldout:
        args.heldout.mkdir(parents=True, exist_ok=True)
        for name, lines in faker_lines(seed=SEED + 1, scale=4).items():
            unique = list(dict.fromkeys(lines))
            (args.heldout / f"benign_{name}.txt").write_text(
                "\n".join(unique) + "\n", encoding="utf-8"
            )
            print(f"held-out benign_{name}.txt: {len(unique)} lines")
        return 0
    generated = faker_lines()
    generated["http"] = http_lines(args.src)
    hand = {
        "names": NAMES,
        "contact": CONTACT,
        "addresses": ADDRESSES,
        "notes": NOTES,
        "tricky": TRICKY,
        "http": HTTP,
    }
    for name, text in hand.items():
        lines = [line for line in text.splitlines() if line.strip()]
        lines += generated.get(name, [])
        unique = list(dict.fromkeys(lines))
        (args.out / f"benign_{name}.txt").write_text("\n".join(unique) + "\n", encoding="utf-8")
        by_hand = len([x for x in text.splitlines() if x.strip()])
        print(f"benign_{name}.txt: {len(unique)} lines ({by_hand} by hand)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
