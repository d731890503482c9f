from tests.corpus import HOSTILE_CASES, SANITISED_CASES, GOOD_CASES, multipart_body
from tests.e2e.conftest import Api
from tests.support import sample

def test_explore(api: Api) -> None:
    row = sample("resignation: left 3 months ago")
    body = {"kpj": row["kpj"], "nik": row["nik"], "full_name": row["full_name"], "birth_date": row["birth_date"],
            "reason": "resignation", "email": row["email"], "phone": row["phone"], "branch_code": row["_branch"]}
    c = api.client.post("/api/v1/claims", json=body)
    print(c.status_code, c.json().keys())
    cid, tok = c.json()["id"], c.json()["access_token"]
    h = {"Authorization": f"Bearer {tok}"}
    import time
    for name, case in list(HOSTILE_CASES.items()):
        t=time.time()
        ct, data = multipart_body([("x.pdf", case.factory())])
        r = api.client.put(f"/api/v1/claims/{cid}/documents/ktp", content=data, headers={**h, "content-type": ct})
        print(name, case.status, case.code, "->", r.status_code, r.headers.get("content-type"), r.text[:300], round(time.time()-t,2))
    for name, f in SANITISED_CASES.items():
        ct, data = multipart_body([("x.pdf", f())])
        r = api.client.put(f"/api/v1/claims/{cid}/documents/ktp", content=data, headers={**h, "content-type": ct})
        print(name, "->", r.status_code, r.text[:200])
    g = api.client.get(f"/api/v1/claims/{cid}", headers=h)
    print(g.status_code, g.headers.get("etag"), g.json())
