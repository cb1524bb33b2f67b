using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// 64x64 multiplication helpers. <c>Math.BigMul(a, b, out lo)</c> makes the JIT spill the low half
/// through memory; taking the high half from MULX and the low half from IMUL keeps both in registers.
/// </summary>
internal static class Mul64
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hi(ulong a, ulong b) => Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(a, b) : Math.BigMul(a, b, out _);
}
