# Independent Python implementation of the graph spec in docs/protocol-graph.md (RFC 8439 ChaCha20 block function written from the RFC).
import json, struct, sys
def rotl(v, c): return ((v << c) & 0xffffffff) | (v >> (32 - c))
def qr(s, a, b, c, d):
    s[a]=(s[a]+s[b])&0xffffffff; s[d]^=s[a]; s[d]=rotl(s[d],16)
    s[c]=(s[c]+s[d])&0xffffffff; s[b]^=s[c]; s[b]=rotl(s[b],12)
    s[a]=(s[a]+s[b])&0xffffffff; s[d]^=s[a]; s[d]=rotl(s[d],8)
    s[c]=(s[c]+s[d])&0xffffffff; s[b]^=s[c]; s[b]=rotl(s[b],7)
def block(key, counter, nonce):
    st=[0x61707865,0x3320646e,0x79622d32,0x6b206574]+list(struct.unpack('<8I',key))+[counter]+list(struct.unpack('<3I',nonce))
    w=st[:]
    for _ in range(10):
        qr(w,0,4,8,12);qr(w,1,5,9,13);qr(w,2,6,10,14);qr(w,3,7,11,15)
        qr(w,0,5,10,15);qr(w,1,6,11,12);qr(w,2,7,8,13);qr(w,3,4,9,14)
    return struct.pack('<16I',*[(a+b)&0xffffffff for a,b in zip(w,st)])
# RFC 8439 2.3.2 block test
k=bytes(range(32)); n=bytes.fromhex('000000090000004a00000000')
assert block(k,1,n).hex().startswith('10f1e7e4d13b5915500fdd1fa32071c4'), block(k,1,n).hex()
def words(seed):
    c=0
    while True:
        b=block(seed,c,b'secagg-graph'); c+=1
        for i in range(16): yield struct.unpack_from('<I',b,4*i)[0]
def perm(seed,n):
    ids=list(range(1,n+1)); g=words(seed)
    for i in range(n-1,0,-1):
        bound=i+1; limit=2**32-(2**32%bound)
        w=next(g)
        while w>=limit: w=next(g)
        j=w%bound; ids[i],ids[j]=ids[j],ids[i]
    return ids
def neighbours(ids,k,id_):
    n=len(ids); p=ids.index(id_); s=set()
    for d in range(1,k//2+1): s.add(ids[(p+d)%n]); s.add(ids[(p-d)%n])
    if k%2: s.add(ids[(p+n//2)%n])
    return sorted(s)
cases=[]
for (n,k,seedhex) in [(10,4,'00'*32),(11,2,'01'*32),(12,5,'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'),(100,12,'ff'*32),(1000,30,'42'*32)]:
    seed=bytes.fromhex(seedhex); ids=perm(seed,n)
    sample=[1,2,n//2,n] if n>12 else list(range(1,n+1))
    cases.append({'clients':n,'degree':k,'seed':seedhex,'idAtPosition':ids if n<=100 else ids[:20],'neighbours':{str(i):neighbours(ids,k,i) for i in sample}})
json.dump(cases,sys.stdout)
