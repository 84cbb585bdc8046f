"""Data helpers for the kz-id-2014 test set: IIN, ICAO 9303 TD1 MRZ, transliteration.
Standard library only."""
import datetime

# ---------------------------------------------------------------- check digits
def mrz_value(c):
    if c.isdigit():
        return int(c)
    if 'A' <= c <= 'Z':
        return ord(c) - ord('A') + 10
    if c == '<':
        return 0
    raise ValueError('bad MRZ char %r' % c)


def mrz_check(s):
    w = (7, 3, 1)
    return str(sum(mrz_value(c) * w[i % 3] for i, c in enumerate(s)) % 10)


# ---------------------------------------------------------------- IIN
def iin_check(first11):
    d = [int(c) for c in first11]
    c = sum(x * w for x, w in zip(d, range(1, 12))) % 11
    if c == 10:
        c = sum(x * w for x, w in zip(d, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))) % 11
    return c  # may be 10: caller must choose other serial digits


def century_sex_digit(year, sex):
    if 1900 <= year <= 1999:
        return 3 if sex == 'M' else 4
    if 2000 <= year <= 2099:
        return 5 if sex == 'M' else 6
    raise ValueError(year)


def make_iin(birth, sex, rng):
    """12-digit IIN for a birth date (datetime.date) and sex, serial digits drawn from rng."""
    while True:
        head = birth.strftime('%y%m%d') + str(century_sex_digit(birth.year, sex)) + \
            '%04d' % rng.randrange(10000)
        c = iin_check(head)
        if c != 10:
            return head + str(c)


def iin_valid(iin):
    return len(iin) == 12 and iin.isdigit() and iin_check(iin[:11]) == int(iin[11])


# ---------------------------------------------------------------- transliteration (ICAO 9303 part 3)
TRANSLIT = {
    'А': 'A', 'Б': 'B', 'В': 'V', 'Г': 'G', 'Д': 'D', 'Е': 'E', 'Ё': 'E', 'Ж': 'ZH', 'З': 'Z',
    'И': 'I', 'Й': 'I', 'К': 'K', 'Л': 'L', 'М': 'M', 'Н': 'N', 'О': 'O', 'П': 'P', 'Р': 'R',
    'С': 'S', 'Т': 'T', 'У': 'U', 'Ф': 'F', 'Х': 'KH', 'Ц': 'TS', 'Ч': 'CH', 'Ш': 'SH',
    'Щ': 'SHCH', 'Ъ': 'IE', 'Ы': 'Y', 'Ь': '', 'Э': 'E', 'Ю': 'IU', 'Я': 'IA',
    'Ә': 'A', 'Ғ': 'G', 'Қ': 'K', 'Ң': 'N', 'Ө': 'O', 'Ұ': 'U', 'Ү': 'U', 'Һ': 'H', 'І': 'I',
    ' ': '<', '-': '<',
}


def translit(s):
    return ''.join(TRANSLIT[c] for c in s.upper())


# ---------------------------------------------------------------- TD1 MRZ
def pad(s, n):
    assert len(s) <= n, s
    return s + '<' * (n - len(s))


def td1(doc_no, iin, birth, sex, expiry, surname, given, tamper=None):
    """Three 30-char lines. tamper: None, 'document_number' or 'date_of_birth'
    (that check digit is replaced by a wrong one after the composite was computed)."""
    dn_cd = mrz_check(doc_no)
    b = birth.strftime('%y%m%d')
    e = expiry.strftime('%y%m%d')
    l1 = pad('IDKAZ' + doc_no + dn_cd + iin, 30)
    l2 = pad(b + mrz_check(b) + sex + e + mrz_check(e) + 'KAZ', 29)
    l2 = l2 + mrz_check(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    # tampering happens after issue: one printed check digit is altered, the
    # composite stays the one computed over the genuine data (as kz-dev 004 does)
    if tamper == 'document_number':
        l1 = l1[:14] + str((int(l1[14]) + 3) % 10) + l1[15:]
    elif tamper == 'date_of_birth':
        l2 = l2[:6] + str((int(l2[6]) + 4) % 10) + l2[7:]
    elif tamper is not None:
        raise ValueError(tamper)
    l3 = (translit(surname) + '<<' + translit(given))[:30]
    l3 = pad(l3, 30)
    return [l1, l2, l3]


def check_td1(lines):
    """Return list of failing checks of a TD1 MRZ (names as in ground truth)."""
    l1, l2, _ = lines
    bad = []
    if mrz_check(l1[5:14]) != l1[14]:
        bad.append('document_number')
    if mrz_check(l2[0:6]) != l2[6]:
        bad.append('date_of_birth')
    if mrz_check(l2[8:14]) != l2[14]:
        bad.append('date_of_expiry')
    if mrz_check(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]) != l2[29]:
        bad.append('composite')
    return bad


def fmt(d):
    return d.strftime('%d.%m.%Y')


def expiry_of(issue):
    """issue + 10 years - 1 day (29 Feb issue -> 28 Feb + 10 y - 1 day)."""
    try:
        e = issue.replace(year=issue.year + 10)
    except ValueError:
        e = issue.replace(year=issue.year + 10, day=28) + datetime.timedelta(days=1)
    return e - datetime.timedelta(days=1)


if __name__ == '__main__':
    # self-test against kz-dev's ground truth: kzid.py PATH/ground_truth.json
    import json, sys
    gt = json.load(open(sys.argv[1]))  # kz-dev's ground_truth.json
    for cid, g in sorted(gt.items()):
        f = g['fields']
        d = lambda s: datetime.date(int(s[6:]), int(s[3:5]), int(s[:2]))
        birth, exp, iss = d(f['date_of_birth']), d(f['date_of_expiry']), d(f['date_of_issue'])
        mine = td1(f['document_number'], f['personal_number'], birth, g['sex'], exp,
                   f['last_name'], f['first_name'])
        print(cid, g['variant'], 'mrz-equal' if mine == g['mrz'] else 'MRZ-DIFF',
              'their-failing=%s' % check_td1(g['mrz']),
              'iin-valid' if iin_valid(f['personal_number']) else 'IIN-INVALID',
              'exp-ok' if expiry_of(iss) == exp else 'EXP-DIFF')
        if mine != g['mrz']:
            print('   mine  ', mine)
            print('   theirs', g['mrz'])
