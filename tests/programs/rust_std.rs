// Rust std, built static (crt-static): Vec, HashMap, String formatting,
// Box, iterators, and a panic caught with catch_unwind.
use std::collections::HashMap;
use std::panic;

trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> String;
}

struct Square(f64);
struct Rect(f64, f64);

impl Shape for Square {
    fn area(&self) -> f64 {
        self.0 * self.0
    }
    fn name(&self) -> String {
        format!("square {}", self.0)
    }
}

impl Shape for Rect {
    fn area(&self) -> f64 {
        self.0 * self.1
    }
    fn name(&self) -> String {
        format!("rect {}x{}", self.0, self.1)
    }
}

fn main() {
    println!("hello from rust");
    let v: Vec<u64> = (1..=100).collect();
    let sum: u64 = v.iter().sum();
    let evens: Vec<u64> = v.iter().copied().filter(|x| x % 2 == 0).take(5).collect();
    println!("sum {} evens {:?}", sum, evens);

    let mut counts: HashMap<String, usize> = HashMap::new();
    for w in "a rose is a rose is a rose".split_whitespace() {
        *counts.entry(w.to_string()).or_insert(0) += 1;
    }
    let mut keys: Vec<_> = counts.iter().collect();
    keys.sort();
    println!("counts {:?}", keys);

    let shapes: Vec<Box<dyn Shape>> = vec![Box::new(Square(3.0)), Box::new(Rect(2.0, 4.5))];
    for s in &shapes {
        println!("{:>12}: {:8.3}", s.name(), s.area());
    }

    panic::set_hook(Box::new(|_| {}));
    let r = panic::catch_unwind(|| {
        let v: Vec<i32> = Vec::new();
        v[3]
    });
    println!("caught panic: {}", r.is_err());
    let big: Vec<u8> = vec![7u8; 4 << 20];
    println!("big vec {} bytes, sum {}", big.len(), big.iter().map(|&b| b as u64).sum::<u64>());
}
