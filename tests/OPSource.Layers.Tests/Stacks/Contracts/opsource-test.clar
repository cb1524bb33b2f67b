;; OPSource's Stacks simnet test contract: takes one argument of every Clarity type and answers with
;; values derived from each, so a test can check both the encoding of the arguments and the decoding
;; of the result.
(define-fungible-token opsource-token)
(define-non-fungible-token opsource-nft uint)
(define-data-var counter uint u0)

(define-public (echo-all
    (i int) (u uint) (b bool) (buf (buff 32)) (p principal)
    (a (string-ascii 40)) (s (string-utf8 40)) (o (optional uint))
    (l (list 5 int)) (t {name: (string-ascii 20), value: uint}))
  (ok {
    i: (* i 2),
    u: (+ u u1),
    b: (not b),
    buf: (concat buf 0xff),
    p: p,
    a: (concat a "!"),
    s: (concat s u"\u{2713}"),
    o: (default-to u0 o),
    sum: (fold + l 0),
    t: (merge t {value: (+ (get value t) u1)})
  }))

(define-public (check-below (x uint))
  (if (< x u10) (ok x) (err x)))

(define-public (bump)
  (begin
    (var-set counter (+ (var-get counter) u1))
    (ok (var-get counter))))

(define-read-only (get-counter)
  (var-get counter))

(define-public (mint (amount uint) (id uint) (to principal))
  (begin
    (try! (ft-mint? opsource-token amount to))
    (try! (nft-mint? opsource-nft id to))
    (ok true)))
