import React, { memo, useCallback, useState } from "react";
import { Trash2 } from "lucide-react";

export interface Todo {
  id: string;
  title: string;
  done: boolean;
}

interface RowProps {
  todo: Todo;
  onToggle: (id: string) => void;
  onDelete: (id: string) => void;
}

const TodoRow = memo(function TodoRow({ todo, onToggle, onDelete }: RowProps) {
  return (
    <li className={todo.done ? "todo todo--done" : "todo"}>
      <label>
        <input type="checkbox" checked={todo.done} onChange={() => onToggle(todo.id)} />
        {todo.title}
      </label>
      <button type="button" aria-label={`Delete ${todo.title}`} onClick={() => onDelete(todo.id)}>
        <Trash2 size={14} aria-hidden="true" />
      </button>
    </li>
  );
});

export function TodoList({ initial }: { initial: Todo[] }) {
  const [todos, setTodos] = useState(initial);

  const onToggle = useCallback((id: string) => {
    setTodos((list) => list.map((t) => (t.id === id ? { ...t, done: !t.done } : t)));
  }, []);
  const onDelete = useCallback((id: string) => {
    setTodos((list) => list.filter((t) => t.id !== id));
  }, []);

  const remaining = todos.filter((t) => !t.done).length;

  return (
    <section aria-label="Todos">
      <p>{remaining === 1 ? "1 item left" : `${remaining} items left`}</p>
      <ul>
        {todos.map((todo) => (
          <TodoRow key={todo.id} todo={todo} onToggle={onToggle} onDelete={onDelete} />
        ))}
      </ul>
    </section>
  );
}

export default TodoList;
