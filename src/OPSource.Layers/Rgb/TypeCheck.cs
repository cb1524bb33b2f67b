namespace OPSource.Layers.Rgb;

/// <summary>
/// Trusted type systems (the schema kits' <c>types</c>), merged by sem id: what rgb-tests passes as
/// <c>ValidationConfig::trusted_typesystem</c>.
/// </summary>
public sealed class TypeSystemRegistry
{
    private readonly Dictionary<Bytes32, StrictTy> _types = [];

    public int Count => _types.Count;

    public static TypeSystemRegistry FromKits(IEnumerable<Kit> kits)
    {
        ArgumentNullException.ThrowIfNull(kits);
        var r = new TypeSystemRegistry();
        foreach (var k in kits)
        {
            // The trust root must be a closed type system: a dangling child would make values of the types
            // that refer to it impossible to check (strict-types resolves children by sem id).
            if (StrictSemId.FindDanglingReference(k.Types) is { } dangling)
            {
                throw new RgbDecodeException(RgbErrorKind.TypeMismatch, $"kit {RgbIds.KitIdString(RgbIds.KitId(k))}: {dangling}");
            }

            foreach (var t in k.Types)
            {
                r._types[t.SemId] = t.Ty;
            }
        }

        return r;
    }

    public bool TryGet(Bytes32 semId, out StrictTy? ty) => _types.TryGetValue(semId, out ty);
}

/// <summary>
/// strict-types <c>TypeSystem::strict_deserialize_type</c> reduced to a check: does <c>data</c> decode,
/// completely, as the type with the given sem id?
/// </summary>
public static class StrictTypeCheck
{
    public static bool Conforms(IReadOnlyList<TypeEntry> types, Bytes32 semId, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(types);
        var map = new Dictionary<Bytes32, StrictTy>(types.Count);
        foreach (var t in types)
        {
            map[t.SemId] = t.Ty;
        }

        var r = new StrictReader(data);
        try
        {
            Read(map, semId, r, 0);
            return r.Remaining == 0;
        }
        catch (RgbDecodeException)
        {
            return false;
        }
    }

    // Mirrors strict-types value/decode.rs strict_read_type: ASCII strings for lists of char enums and for
    // RString tuples (char enum, list of char enum), UTF-8 strings for lists of unicode chars, and plain
    // collections whose length prefix width follows the declared maximum. Like the reference, collection
    // bounds are not enforced beyond the prefix width, and set/map order is not checked.
    private static void Read(Dictionary<Bytes32, StrictTy> map, Bytes32 id, StrictReader r, int depth)
    {
        if (depth > 64 || !map.TryGetValue(id, out var ty))
        {
            throw new RgbDecodeException(RgbErrorKind.TypeMismatch, "unknown or too deeply nested type");
        }

        switch (ty)
        {
            case TyPrimitive p:
                ReadPrimitive(p.Code, r);
                break;
            case TyUnicode:
                // strict-types does not implement a standalone unicode char value (todo!()); refuse it.
                throw new RgbDecodeException(RgbErrorKind.TypeMismatch, "standalone unicode char values are not decodable");
            case TyList l when IsCharEnum(map, l.Ty):
                ReadAscii(r, l.Max);
                break;
            case TyTuple t when t.Fields.Count == 2 && IsCharEnum(map, t.Fields[0])
                                && map.TryGetValue(t.Fields[1], out var rest) && rest is TyList rl && IsCharEnum(map, rl.Ty):
                ReadAscii(r, rl.Max + 1);
                break;
            case TyList l when map.TryGetValue(l.Ty, out var item) && item is TyUnicode:
                {
                    var bytes = r.Bytes(ReadLen(r, l.Max), "string");
                    try
                    {
                        _ = new System.Text.UTF8Encoding(false, true).GetString(bytes);
                    }
                    catch (System.Text.DecoderFallbackException)
                    {
                        throw new RgbDecodeException(RgbErrorKind.TypeMismatch, "invalid UTF-8 string");
                    }

                    break;
                }

            case TyEnum e:
                {
                    byte tag = r.U8("enum tag");
                    if (!e.Variants.Any(v => v.Tag == tag))
                    {
                        throw new RgbDecodeException(RgbErrorKind.TypeMismatch, "unknown enum tag");
                    }

                    break;
                }

            case TyUnion u:
                {
                    byte tag = r.U8("union tag");
                    var v = u.Variants.FirstOrDefault(x => x.Tag == tag);
                    if (v.Name is null)
                    {
                        throw new RgbDecodeException(RgbErrorKind.TypeMismatch, "unknown union tag");
                    }

                    Read(map, v.Ty, r, depth + 1);
                    break;
                }

            case TyTuple t:
                foreach (var f in t.Fields)
                {
                    Read(map, f, r, depth + 1);
                }

                break;
            case TyStruct s:
                foreach (var (_, f) in s.Fields)
                {
                    Read(map, f, r, depth + 1);
                }

                break;
            case TyArray a:
                for (int i = 0; i < a.Len; i++)
                {
                    Read(map, a.Ty, r, depth + 1);
                }

                break;
            case TyList l:
                ReadItems(map, r, l.Ty, null, ReadLen(r, l.Max), depth);
                break;
            case TySet s:
                ReadItems(map, r, s.Ty, null, ReadLen(r, s.Max), depth);
                break;
            case TyMap m:
                ReadItems(map, r, m.Key, m.Value, ReadLen(r, m.Max), depth);
                break;
            default:
                throw new RgbDecodeException(RgbErrorKind.TypeMismatch, "unsupported type");
        }
    }

    private static bool IsCharEnum(Dictionary<Bytes32, StrictTy> map, Bytes32 id) =>
        map.TryGetValue(id, out var t) && t is TyEnum e && e.Variants.All(v => v.Tag is >= 32 and <= 127);

    private static int ReadLen(StrictReader r, ulong max)
    {
        ulong len = max switch
        {
            <= 0xFF => r.U8("length"),
            <= 0xFFFF => r.U16("length"),
            <= 0xFF_FFFF => r.U24("length"),
            <= 0xFFFF_FFFF => r.U32("length"),
            _ => r.U64("length"),
        };
        return len > (ulong)r.Remaining ? throw new RgbDecodeException(RgbErrorKind.TypeMismatch, "length exceeds the data") : (int)len;
    }

    private static void ReadAscii(StrictReader r, ulong max)
    {
        var bytes = r.Bytes(ReadLen(r, max), "ascii string");
        if (bytes.Any(b => b > 0x7F))
        {
            throw new RgbDecodeException(RgbErrorKind.TypeMismatch, "non-ASCII byte in an ASCII string");
        }
    }

    private static void ReadItems(Dictionary<Bytes32, StrictTy> map, StrictReader r, Bytes32 item, Bytes32? value, int n, int depth)
    {
        for (int i = 0; i < n; i++)
        {
            Read(map, item, r, depth + 1);
            if (value is { } v)
            {
                Read(map, v, r, depth + 1);
            }
        }
    }

    private static void ReadPrimitive(byte code, StrictReader r)
    {
        // strict-types Primitive codes the reference decodes: UNIT 0x00, U8..U64 0x01..0x08 (size in bytes),
        // I8/I16/I32/I64 0x81/0x82/0x84/0x88, BYTE 0x40; anything else is NotImplemented there, refused here.
        int size = code switch
        {
            0x00 => 0,
            0x40 => 1,
            >= 0x01 and <= 0x08 => code,
            0x81 or 0x82 or 0x84 or 0x88 => code & 0x0F,
            _ => throw new RgbDecodeException(RgbErrorKind.TypeMismatch, $"unsupported primitive 0x{code:x2}"),
        };
        r.Bytes(size, "primitive");
    }
}

/// <summary>
/// strict-types semantic ids (<c>ast/id.rs</c>, <c>typelib/id.rs</c>): SHA-256 tagged with
/// <c>urn:ubideco:strict-types:typ:v01</c> over the optional type name and the type's semantic commitment — its class,
/// then per class the primitive code, enum variants (name, tag), union variants (name, tag, child), struct fields
/// (name, child), tuple children, array child and u16 length, or list/set/map children and u64 min/max sizing.
/// Ids are computed on library types, where a child is either a named type (committed by its sem id) or an inline
/// type (committed by its own commitment, recursively); the type system stores inline types under their unnamed
/// sem id, so a child whose stored type re-hashes unnamed to its id is expanded inline. A type system stores no
/// names: named types re-hash only given their name (<see cref="Named"/>).
/// </summary>
public sealed class StrictSemId
{
    private static ReadOnlySpan<byte> Tag => "urn:ubideco:strict-types:typ:v01"u8;

    private readonly Dictionary<Bytes32, StrictTy> _types = [];
    private readonly Dictionary<Bytes32, bool> _inline = [];

    /// <param name="types">The type system children are resolved in.</param>
    public StrictSemId(IReadOnlyList<TypeEntry> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        foreach (var t in types)
        {
            _types[t.SemId] = t.Ty;
        }
    }

    /// <summary>The sem id of an unnamed (inline) type (<c>Ty::sem_id_unnamed</c>).</summary>
    public Bytes32 Unnamed(StrictTy ty) => Hash(null, ty);

    /// <summary>The sem id of a type declared under <paramref name="name"/> (<c>Ty::sem_id_named</c>).</summary>
    public Bytes32 Named(string name, StrictTy ty) => Hash(name, ty);

    /// <summary>True when the type stored under <paramref name="semId"/> is an inline type: it re-hashes unnamed to its id.</summary>
    public bool IsInline(Bytes32 semId)
    {
        if (_inline.TryGetValue(semId, out bool known))
        {
            return known;
        }

        if (!_types.TryGetValue(semId, out var ty))
        {
            return false;
        }

        _inline[semId] = false; // a type under computation refers to itself only through a name
        bool result = Hash(null, ty) == semId;
        _inline[semId] = result;
        return result;
    }

    private Bytes32 Hash(string? name, StrictTy ty)
    {
        ArgumentNullException.ThrowIfNull(ty);
        var w = new StrictWriter();
        if (name is not null)
        {
            Name(w, name);
        }

        Commit(w, ty);
        using var h = new TaggedHasher(Tag);
        return h.Add(w.ToArray()).Finish();
    }

    private void Child(StrictWriter w, Bytes32 semId)
    {
        if (IsInline(semId))
        {
            Commit(w, _types[semId]);
        }
        else
        {
            w.B32(semId);
        }
    }

    private void Commit(StrictWriter w, StrictTy ty)
    {
        switch (ty)
        {
            case TyPrimitive p:
                w.U8(0).U8(p.Code);
                break;
            case TyUnicode:
                w.U8(1);
                break;
            case TyEnum e:
                w.U8(3);
                foreach (var (variant, tag) in e.Variants)
                {
                    Name(w, variant);
                    w.U8(tag);
                }

                break;
            case TyUnion u:
                w.U8(4);
                foreach (var (tag, variant, child) in u.Variants)
                {
                    Name(w, variant);
                    w.U8(tag);
                    Child(w, child);
                }

                break;
            case TyStruct s:
                w.U8(5);
                foreach (var (field, child) in s.Fields)
                {
                    Name(w, field);
                    Child(w, child);
                }

                break;
            case TyTuple t:
                w.U8(6);
                foreach (var child in t.Fields)
                {
                    Child(w, child);
                }

                break;
            case TyArray a:
                w.U8(7);
                Child(w, a.Ty);
                w.U16(a.Len);
                break;
            case TyList l:
                w.U8(8);
                Child(w, l.Ty);
                w.U64(l.Min).U64(l.Max);
                break;
            case TySet st:
                w.U8(9);
                Child(w, st.Ty);
                w.U64(st.Min).U64(st.Max);
                break;
            case TyMap m:
                w.U8(10);
                Child(w, m.Key);
                Child(w, m.Value);
                w.U64(m.Min).U64(m.Max);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(ty));
        }
    }

    private static void Name(StrictWriter w, string name)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(name);
        w.U8((byte)bytes.Length).Raw(bytes);
    }

    /// <summary>The sem ids a type refers to.</summary>
    public static IEnumerable<Bytes32> Children(StrictTy ty) => ty switch
    {
        TyUnion u => u.Variants.Select(v => v.Ty),
        TyStruct s => s.Fields.Select(f => f.Ty),
        TyTuple t => t.Fields,
        TyArray a => [a.Ty],
        TyList l => [l.Ty],
        TySet s => [s.Ty],
        TyMap m => [m.Key, m.Value],
        _ => [],
    };

    /// <summary>
    /// Structure of a type system: every sem id a type refers to is in the system (strict-types resolves
    /// children by sem id when it deserializes a value). Returns the first dangling reference, or null.
    /// </summary>
    public static string? FindDanglingReference(IReadOnlyList<TypeEntry> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var ids = types.Select(t => t.SemId).ToHashSet();
        foreach (var t in types)
        {
            foreach (var child in Children(t.Ty).Where(c => !ids.Contains(c)))
            {
                return $"type {t.SemId} refers to {child}, which is not in the type system";
            }
        }

        return null;
    }
}
