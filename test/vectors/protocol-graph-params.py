# Independent Python reading of Google's graph_parameter_finder.cc / distribution_utilities.cc, using math.lgamma (C lgamma, as Google).
import math, json, sys, random
SMALL=1e-14
lg=math.lgamma
class H:
    def __init__(s,N,K,n): s.N,s.K,s.n=N,K,n
    def pmf(s,x,c):
        N,n=s.N,s.n
        if x<0 or x>n or x>c: return 0.0
        if N+x<c+n: return 0.0
        return math.exp(lg(n+1)+lg(c+1)+lg(N-c+1)+lg(N-n+1)-lg(x+1)-lg(n-x+1)-lg(c-x+1)-lg(N+1)-lg(N-n-c+x+1))
    def lower(s,x,c):
        N,n=s.N,s.n; p=s.pmf(x,c); r=0.0
        while p>r*1e-16:
            r+=p; p*=x; p*=N-c-n+x; p/=c-x+1; p/=n-x+1; x-=1
        return r
    def cdf(s,x):
        x=math.floor(x); mean=s.K*s.n/s.N
        return 1-s.lower(s.n-x-1,s.N-s.K) if x>mean else s.lower(x,s.K)
    def q(s,q,comp=False):
        if q>0.5: q=1-q; comp=not comp
        return s.n-s.qi(q,s.N-s.K)-1 if comp else s.qi(q,s.K)
    def qi(s,q,c):
        N,n=s.N,s.n
        r=math.floor(max(-1.0,c+n-N-1,n*(c/N-math.sqrt(-math.log(q)/(2*n)))))
        cd=s.lower(r,c); p=s.pmf(r,c)
        while cd<q and r<n:
            if p>0: p/=r+1; p/=N-c-n+r+1; p*=c-r; p*=n-r
            else: p=s.pmf(r+1,c)
            cd+=p; r+=1
        return r-1
def find(n,g,d,mal,sec=40,cor=20):
    ok = (g+2*d<=0.9) if mal else (g+d<=0.9)
    if ok:
        A=int(math.floor((g+SMALL)*n)); D=int(math.floor((d+SMALL)*n)); S=int(math.ceil((1-d-SMALL)*n)); B=A+D
        k=2
        while k<n-1:
            lp=-math.inf if k>B else math.log(n)+math.log(n-k-1)-math.log(2)+lg(B+1)+lg(n-k+1)-lg(n+1)-lg(B-k+1)
            if lp < -(sec+1)*math.log(2):
                ha=H(n,A,k); hs=H(n,S,k)
                t1=ha.q(2**-(sec+1)/n,True); tgt=2**-cor/n
                t2=hs.q(tgt)
                if hs.cdf(t2)<tgt: t2+=1
                if mal: t1=math.ceil((t1+k-1.25)/2)
                if t2>t1: return ['harary',k,int(max(t1+1,2))]
            k+=2
    t=math.ceil(n*(1-d))
    if t<2 or t>n: return ['none']
    need=math.ceil((n+g*n)/2) if mal else math.ceil(g*n)
    if t<=need: return ['none']
    return ['complete',n-1,t]
random.seed(5)
out=[]
for _ in range(400):
    n=random.choice([random.randint(2,100),random.randint(100,5000),random.randint(5000,65535)])
    g=round(random.uniform(0,0.45),3); d=round(random.uniform(0,0.45),3); mal=random.random()<0.5
    out.append([n,g,d,'semiMalicious' if mal else 'semiHonest']+find(n,g,d,mal))
json.dump(out,sys.stdout)
