namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// The IF/ELSE/ENDIF execution stack in O(1) per operation. // Core interpreter.cpp ConditionStack:
/// only the size and the position of the first false entry matter, because a branch executes only
/// when every enclosing condition is true.
/// </summary>
internal struct ConditionStack
{
    private const int NoFalse = -1;
    private int _size;
    private int _firstFalse;

    public static ConditionStack Create() => new() { _firstFalse = NoFalse };

    public readonly bool IsEmpty => _size == 0;

    public readonly bool AllTrue => _firstFalse == NoFalse;

    public void Push(bool value)
    {
        if (_firstFalse == NoFalse && !value)
        {
            _firstFalse = _size;
        }

        _size++;
    }

    public void Pop()
    {
        _size--;
        if (_firstFalse == _size)
        {
            _firstFalse = NoFalse;
        }
    }

    public void ToggleTop()
    {
        if (_firstFalse == NoFalse)
        {
            _firstFalse = _size - 1;
        }
        else if (_firstFalse == _size - 1)
        {
            _firstFalse = NoFalse;
        }

        // Otherwise an outer false stays in force and toggling the top changes nothing observable.
    }
}
